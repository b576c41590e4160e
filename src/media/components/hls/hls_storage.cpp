#include "components/hls/hls_storage.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace shoal::components::hls {

void HlsStorage::create_directory() const {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error || !std::filesystem::is_directory(directory_)) {
    throw std::runtime_error("cannot create HLS output directory " + directory_.string() + ": " +
                             (error ? error.message() : "not a directory"));
  }
}

void HlsStorage::write(std::string_view name, std::string_view bytes) const {
  const std::filesystem::path target = directory_ / std::string(name);
  const std::filesystem::path temporary = directory_ / ("." + std::string(name) + ".tmp");
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    throw std::runtime_error("cannot write " + target.string() + ": " + std::strerror(errno));
  }
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const int saved_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + target.string() + ": " + std::strerror(saved_errno));
  }
  std::error_code error;
  std::filesystem::rename(temporary, target, error);
  if (error) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + target.string() + ": " + error.message());
  }
}

void HlsStorage::remove(std::string_view name) const {
  std::error_code ignored;
  std::filesystem::remove(directory_ / std::string(name), ignored);
}

void HlsStorage::remove_all() const {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::optional<std::uint64_t> HlsStorage::free_bytes() const {
  struct statvfs info {};
  if (::statvfs(directory_.c_str(), &info) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace shoal::components::hls
