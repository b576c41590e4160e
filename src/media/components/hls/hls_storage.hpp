#pragma once
// Writes a room's HLS files. Each file appears whole (written aside, then renamed), so the
// HTTP side never serves a half-written playlist or segment. Failures throw: a component that
// cannot write its output has crashed.
#include <filesystem>
#include <cstdint>
#include <optional>
#include <string_view>

namespace shoal::components::hls {

class HlsStorage {
 public:
  explicit HlsStorage(std::filesystem::path directory) : directory_(std::move(directory)) {}

  const std::filesystem::path& directory() const { return directory_; }
  void create_directory() const;
  void write(std::string_view name, std::string_view bytes) const;
  // Best effort: a file a player is still reading stays readable until it closes it.
  void remove(std::string_view name) const;
  // Deletes the directory and everything in it (best effort).
  void remove_all() const;
  // Bytes an unprivileged writer may still use on the directory's filesystem; nullopt if unknown.
  std::optional<std::uint64_t> free_bytes() const;

 private:
  std::filesystem::path directory_;
};

}  // namespace shoal::components::hls
