#pragma once
// Erlang external term format helpers for the distribution layer, on top of erl_interface (ei).
//
// ei's decoders trust their input (they take no buffer size), so every term that arrives from the
// network is first walked by validate_term(), which checks every length against the buffer and
// bounds the nesting depth; only then are ei_decode_* used on it.
//
// All term buffers exchanged with users of the cluster API are complete external-term-format
// binaries that start with the version byte 131 (what ei_x_new_with_version produces and what
// erlang:term_to_binary/1 returns).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::cluster {

inline constexpr unsigned char kTermVersion = 131;
// Largest message payload accepted from or sent to another node.
inline constexpr std::size_t kMaxTermSize = std::size_t{1} << 20;
// Deepest nesting of tuples/lists/maps accepted.
inline constexpr int kMaxTermDepth = 200;

// Checks that buf[pos..size) starts with one well-formed term (no version byte) and advances pos
// past it. Unknown or unsupported tags (atom cache refs, old funs, local terms) are rejected.
bool validate_term_at(const char* buf, std::size_t size, std::size_t& pos, int depth = 0);

// Checks that buf[0..size) is exactly: version byte + one well-formed term.
bool validate_term(const char* buf, std::size_t size);
inline bool validate_term(const std::vector<char>& term) {
  return validate_term(term.data(), term.size());
}

// RAII owner of an ei_x_buff (opaque here so this header does not pull in ei.h).
class TermWriter {
 public:
  TermWriter();  // starts with the version byte
  ~TermWriter();
  TermWriter(const TermWriter&) = delete;
  TermWriter& operator=(const TermWriter&) = delete;

  TermWriter& tuple(long arity);
  TermWriter& list(long length);  // followed by `length` terms and then nil()
  TermWriter& nil();
  TermWriter& atom(std::string_view name);
  TermWriter& ulonglong(unsigned long long value);
  TermWriter& binary(std::string_view bytes);
  TermWriter& string(std::string_view text);  // STRING_EXT / list of chars
  // Appends an already encoded term; `term` may start with the version byte (it is skipped).
  TermWriter& raw(const char* term, std::size_t size);

  bool ok() const { return ok_; }  // false once any ei_x_* call failed
  const char* data() const;
  std::size_t size() const;
  std::vector<char> bytes() const;

 private:
  void* x_;  // ei_x_buff*
  bool ok_ = true;
};

// Atom of a well-formed term at buf[pos] (validated beforehand), or nullopt if it is no atom.
std::optional<std::string> decode_atom(const char* buf, std::size_t size, std::size_t& pos);

// Convenience for tests and callers: encodes a term made of a single atom / binary / string.
std::vector<char> encode_atom(std::string_view name);
std::vector<char> encode_binary(std::string_view bytes);
// Decodes a complete term (with version byte) that is a binary; nullopt otherwise.
std::optional<std::string> decode_binary(const std::vector<char>& term);
// Decodes a complete term (with version byte) that is an atom; nullopt otherwise.
std::optional<std::string> decode_atom(const std::vector<char>& term);

}  // namespace shoal::cluster
