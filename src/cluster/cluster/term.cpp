#include "cluster/term.hpp"

#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include <climits>
#include <cstring>

namespace shoal::cluster {

namespace {

bool need(std::size_t size, std::size_t pos, std::size_t n) { return pos <= size && n <= size - pos; }

std::uint32_t be32(const char* p) {
  auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) |
         std::uint32_t{u[3]};
}

std::uint32_t be16(const char* p) {
  auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 8) | std::uint32_t{u[1]};
}

bool skip(std::size_t size, std::size_t& pos, std::size_t n) {
  if (!need(size, pos, n)) return false;
  pos += n;
  return true;
}

// ATOM_EXT / SMALL_ATOM_EXT / ATOM_UTF8_EXT / SMALL_ATOM_UTF8_EXT, with Erlang's 255-character
// limit (up to 4 bytes per character in UTF-8).
bool skip_atom(const char* buf, std::size_t size, std::size_t& pos) {
  if (!need(size, pos, 1)) return false;
  auto tag = static_cast<unsigned char>(buf[pos++]);
  std::size_t len = 0;
  switch (tag) {
    case ERL_ATOM_EXT:
    case ERL_ATOM_UTF8_EXT:
      if (!need(size, pos, 2)) return false;
      len = be16(buf + pos);
      pos += 2;
      if (len > (tag == ERL_ATOM_EXT ? 255u : 255u * 4)) return false;
      break;
    case ERL_SMALL_ATOM_EXT:
    case ERL_SMALL_ATOM_UTF8_EXT:
      if (!need(size, pos, 1)) return false;
      len = static_cast<unsigned char>(buf[pos++]);
      break;
    default:
      return false;
  }
  return skip(size, pos, len);
}

bool is_integer_tag(const char* buf, std::size_t size, std::size_t pos) {
  if (!need(size, pos, 1)) return false;
  auto tag = static_cast<unsigned char>(buf[pos]);
  return tag == ERL_SMALL_INTEGER_EXT || tag == ERL_INTEGER_EXT || tag == ERL_SMALL_BIG_EXT ||
         tag == ERL_LARGE_BIG_EXT;
}

bool is_pid_tag(const char* buf, std::size_t size, std::size_t pos) {
  if (!need(size, pos, 1)) return false;
  auto tag = static_cast<unsigned char>(buf[pos]);
  return tag == ERL_PID_EXT || tag == ERL_NEW_PID_EXT;
}

bool validate_elements(const char* buf, std::size_t size, std::size_t& pos, std::uint64_t count,
                       int depth) {
  // Every term takes at least one byte: refuse counts the buffer cannot hold before looping.
  if (count > size - pos) return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!validate_term_at(buf, size, pos, depth)) return false;
  }
  return true;
}

}  // namespace

bool validate_term_at(const char* buf, std::size_t size, std::size_t& pos, int depth) {
  if (depth > kMaxTermDepth || buf == nullptr || !need(size, pos, 1)) return false;
  auto tag = static_cast<unsigned char>(buf[pos]);
  std::size_t p = pos + 1;
  bool ok = false;
  switch (tag) {
    case ERL_SMALL_INTEGER_EXT: ok = skip(size, p, 1); break;
    case ERL_INTEGER_EXT: ok = skip(size, p, 4); break;
    case ERL_FLOAT_EXT: ok = skip(size, p, 31); break;
    case NEW_FLOAT_EXT: ok = skip(size, p, 8); break;
    case ERL_ATOM_EXT:
    case ERL_SMALL_ATOM_EXT:
    case ERL_ATOM_UTF8_EXT:
    case ERL_SMALL_ATOM_UTF8_EXT:
      p = pos;
      ok = skip_atom(buf, size, p);
      break;
    case ERL_REFERENCE_EXT: ok = skip_atom(buf, size, p) && skip(size, p, 5); break;
    case ERL_NEW_REFERENCE_EXT:
    case ERL_NEWER_REFERENCE_EXT: {
      if (!need(size, p, 2)) break;
      std::size_t words = be16(buf + p);
      p += 2;
      if (words == 0 || words > 5) break;  // erlang_ref holds at most 5 words
      std::size_t creation = tag == ERL_NEW_REFERENCE_EXT ? 1 : 4;
      ok = skip_atom(buf, size, p) && skip(size, p, creation + 4 * words);
      break;
    }
    case ERL_PORT_EXT: ok = skip_atom(buf, size, p) && skip(size, p, 5); break;
    case ERL_NEW_PORT_EXT: ok = skip_atom(buf, size, p) && skip(size, p, 8); break;
    case ERL_V4_PORT_EXT: ok = skip_atom(buf, size, p) && skip(size, p, 12); break;
    case ERL_PID_EXT: ok = skip_atom(buf, size, p) && skip(size, p, 9); break;
    case ERL_NEW_PID_EXT: ok = skip_atom(buf, size, p) && skip(size, p, 12); break;
    case ERL_SMALL_TUPLE_EXT: {
      if (!need(size, p, 1)) break;
      std::uint64_t arity = static_cast<unsigned char>(buf[p++]);
      ok = validate_elements(buf, size, p, arity, depth + 1);
      break;
    }
    case ERL_LARGE_TUPLE_EXT: {
      if (!need(size, p, 4)) break;
      std::uint64_t arity = be32(buf + p);
      p += 4;
      ok = validate_elements(buf, size, p, arity, depth + 1);
      break;
    }
    case ERL_MAP_EXT: {
      if (!need(size, p, 4)) break;
      std::uint64_t pairs = be32(buf + p);
      p += 4;
      ok = validate_elements(buf, size, p, pairs * 2, depth + 1);
      break;
    }
    case ERL_NIL_EXT: ok = true; break;
    case ERL_STRING_EXT: {
      if (!need(size, p, 2)) break;
      std::size_t len = be16(buf + p);
      p += 2;
      ok = skip(size, p, len);
      break;
    }
    case ERL_LIST_EXT: {
      if (!need(size, p, 4)) break;
      std::uint64_t len = be32(buf + p);
      p += 4;
      ok = validate_elements(buf, size, p, len, depth + 1) &&
           validate_term_at(buf, size, p, depth + 1);  // tail
      break;
    }
    case ERL_BINARY_EXT: {
      if (!need(size, p, 4)) break;
      std::size_t len = be32(buf + p);
      p += 4;
      ok = skip(size, p, len);
      break;
    }
    case ERL_BIT_BINARY_EXT: {
      if (!need(size, p, 5)) break;
      std::size_t len = be32(buf + p);
      auto bits = static_cast<unsigned char>(buf[p + 4]);
      p += 5;
      ok = bits >= 1 && bits <= 8 && len > 0 && skip(size, p, len);
      break;
    }
    case ERL_SMALL_BIG_EXT: {
      if (!need(size, p, 1)) break;
      std::size_t n = static_cast<unsigned char>(buf[p++]);
      ok = skip(size, p, 1 + n);
      break;
    }
    case ERL_LARGE_BIG_EXT: {
      if (!need(size, p, 4)) break;
      std::size_t n = be32(buf + p);
      p += 4;
      ok = n <= kMaxTermSize && skip(size, p, 1 + n);
      break;
    }
    case ERL_NEW_FUN_EXT: {
      // Size (counts itself), Arity, Uniq[16], Index, NumFree, Module, OldIndex, OldUniq, Pid,
      // free variables; the parts must add up to Size exactly.
      if (!need(size, p, 4)) break;
      std::size_t total = be32(buf + p);
      if (total < 4 + 1 + 16 + 4 + 4 || !need(size, p, total)) break;
      std::size_t end = p + total;
      p += 4 + 1 + 16 + 4;
      std::uint64_t free_vars = be32(buf + p);
      p += 4;
      ok = skip_atom(buf, end, p) && is_integer_tag(buf, end, p) &&
           validate_term_at(buf, end, p, depth + 1) && is_integer_tag(buf, end, p) &&
           validate_term_at(buf, end, p, depth + 1) && is_pid_tag(buf, end, p) &&
           validate_term_at(buf, end, p, depth + 1) &&
           validate_elements(buf, end, p, free_vars, depth + 1) && p == end;
      break;
    }
    case ERL_EXPORT_EXT:
      ok = skip_atom(buf, size, p) && skip_atom(buf, size, p) && need(size, p, 1) &&
           static_cast<unsigned char>(buf[p]) == ERL_SMALL_INTEGER_EXT && skip(size, p, 2);
      break;
    default:
      ok = false;  // atom cache refs, old FUN_EXT, LOCAL_EXT, unknown tags
      break;
  }
  if (ok) pos = p;
  return ok;
}

bool validate_term(const char* buf, std::size_t size) {
  if (buf == nullptr || size < 2 || size > kMaxTermSize + 1 ||
      static_cast<unsigned char>(buf[0]) != kTermVersion) {
    return false;
  }
  std::size_t pos = 1;
  return validate_term_at(buf, size, pos) && pos == size;
}

// ---------------------------------------------------------------------------------------------

#define SHOAL_X (static_cast<ei_x_buff*>(x_))

TermWriter::TermWriter() : x_(new ei_x_buff{}) {
  if (ei_x_new_with_version(SHOAL_X) != 0) ok_ = false;
}

TermWriter::~TermWriter() {
  ei_x_free(SHOAL_X);
  delete SHOAL_X;
}

TermWriter& TermWriter::tuple(long arity) {
  ok_ = ok_ && ei_x_encode_tuple_header(SHOAL_X, arity) == 0;
  return *this;
}

TermWriter& TermWriter::list(long length) {
  ok_ = ok_ && ei_x_encode_list_header(SHOAL_X, length) == 0;
  return *this;
}

TermWriter& TermWriter::nil() {
  ok_ = ok_ && ei_x_encode_empty_list(SHOAL_X) == 0;
  return *this;
}

TermWriter& TermWriter::atom(std::string_view name) {
  ok_ = ok_ && name.size() <= 255 * 4 &&
        ei_x_encode_atom_len_as(SHOAL_X, name.data(), static_cast<int>(name.size()), ERLANG_UTF8,
                                ERLANG_UTF8) == 0;
  return *this;
}

TermWriter& TermWriter::ulonglong(unsigned long long value) {
  ok_ = ok_ && ei_x_encode_ulonglong(SHOAL_X, value) == 0;
  return *this;
}

TermWriter& TermWriter::binary(std::string_view bytes) {
  ok_ = ok_ && bytes.size() <= kMaxTermSize &&
        ei_x_encode_binary(SHOAL_X, bytes.data(), static_cast<int>(bytes.size())) == 0;
  return *this;
}

TermWriter& TermWriter::string(std::string_view text) {
  ok_ = ok_ && text.size() <= kMaxTermSize &&
        ei_x_encode_string_len(SHOAL_X, text.data(), static_cast<int>(text.size())) == 0;
  return *this;
}

TermWriter& TermWriter::raw(const char* term, std::size_t size) {
  if (size > 0 && static_cast<unsigned char>(term[0]) == kTermVersion) {
    ++term;
    --size;
  }
  ok_ = ok_ && size > 0 && size <= kMaxTermSize &&
        ei_x_append_buf(SHOAL_X, term, static_cast<int>(size)) == 0;
  return *this;
}

const char* TermWriter::data() const { return SHOAL_X->buff; }
std::size_t TermWriter::size() const { return static_cast<std::size_t>(SHOAL_X->index); }
std::vector<char> TermWriter::bytes() const { return {data(), data() + size()}; }

#undef SHOAL_X

// ---------------------------------------------------------------------------------------------

std::optional<std::string> decode_atom(const char* buf, std::size_t size, std::size_t& pos) {
  std::size_t end = pos;
  if (size > INT_MAX || !skip_atom(buf, size, end)) return std::nullopt;
  char name[MAXATOMLEN_UTF8];
  int index = static_cast<int>(pos);
  if (ei_decode_atom_as(buf, &index, name, sizeof(name), ERLANG_UTF8, nullptr, nullptr) != 0) {
    return std::nullopt;
  }
  pos = end;
  return std::string(name);
}

std::vector<char> encode_atom(std::string_view name) {
  TermWriter w;
  w.atom(name);
  return w.ok() ? w.bytes() : std::vector<char>{};
}

std::vector<char> encode_binary(std::string_view bytes) {
  TermWriter w;
  w.binary(bytes);
  return w.ok() ? w.bytes() : std::vector<char>{};
}

std::optional<std::string> decode_binary(const std::vector<char>& term) {
  if (!validate_term(term)) return std::nullopt;
  if (static_cast<unsigned char>(term[1]) != ERL_BINARY_EXT) return std::nullopt;
  std::size_t len = be32(term.data() + 2);
  return std::string(term.data() + 6, len);
}

std::optional<std::string> decode_atom(const std::vector<char>& term) {
  if (!validate_term(term)) return std::nullopt;
  std::size_t pos = 1;
  auto atom = decode_atom(term.data(), term.size(), pos);
  if (!atom || pos != term.size()) return std::nullopt;
  return atom;
}

}  // namespace shoal::cluster
