#include "auth/peer_token.hpp"

#include <ei.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

namespace shoal::auth {

namespace {

constexpr std::string_view kProtected = "SFMyNTY";  // base64url("HS256")
constexpr std::size_t kMaxTokenBytes = 4096;
constexpr long kMaxFieldBytes = 256;

std::string base64url_encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::vector<unsigned char>> base64url_decode(std::string_view text) {
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '-') {
      standard.push_back('+');
    } else if (c == '_') {
      standard.push_back('/');
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      standard.push_back(c);
    } else {
      return std::nullopt;  // padding, whitespace and standard-alphabet characters are not url-safe base64
    }
  }
  if (standard.size() % 4 == 1) return std::nullopt;
  std::size_t padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::vector<unsigned char> out(standard.size() / 4 * 3 + 1);
  int decoded = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(standard.data()),
                                static_cast<int>(standard.size()));
  if (decoded < 0 || static_cast<std::size_t>(decoded) < padding) return std::nullopt;
  out.resize(static_cast<std::size_t>(decoded) - padding);
  return out;
}

std::array<unsigned char, 32> hmac_sha256(const std::array<unsigned char, 32>& key, std::string_view message) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &length);
  return digest;
}

// Decodes one binary (Elixir string) or Erlang string value of bounded size.
bool decode_text(const char* buffer, int* index, std::string& out) {
  int type = 0;
  int size = 0;
  if (ei_get_type(buffer, index, &type, &size) != 0 || size < 0 || size > kMaxFieldBytes) return false;
  if (type == ERL_BINARY_EXT) {
    out.assign(static_cast<std::size_t>(size), '\0');
    long length = 0;
    return ei_decode_binary(buffer, index, out.data(), &length) == 0 && length == size;
  }
  if (type == ERL_STRING_EXT) {
    out.assign(static_cast<std::size_t>(size) + 1, '\0');
    if (ei_decode_string(buffer, index, out.data()) != 0) return false;
    out.resize(static_cast<std::size_t>(size));
    return true;
  }
  return false;
}

// term_to_binary({%{peer_id: P, room_id: R}, signed_at_ms, max_age}) -> identity, signed, age.
bool decode_payload(const std::vector<unsigned char>& bytes, PeerIdentity& identity,
                    long long& signed_at, long long& max_age) {
  const char* buffer = reinterpret_cast<const char*>(bytes.data());
  const int end = static_cast<int>(bytes.size());
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(buffer, &index, &version) != 0 || index > end) return false;
  if (ei_decode_tuple_header(buffer, &index, &arity) != 0 || arity != 3 || index > end) return false;
  int pairs = 0;
  if (ei_decode_map_header(buffer, &index, &pairs) != 0 || pairs != 2 || index > end) return false;
  bool have_peer = false;
  bool have_room = false;
  for (int i = 0; i < pairs; ++i) {
    char key[MAXATOMLEN_UTF8] = {};
    if (ei_decode_atom(buffer, &index, key) != 0 || index > end) return false;
    std::string value;
    if (!decode_text(buffer, &index, value) || index > end) return false;
    if (std::strcmp(key, "peer_id") == 0 && !have_peer) {
      identity.peer_id = std::move(value);
      have_peer = true;
    } else if (std::strcmp(key, "room_id") == 0 && !have_room) {
      identity.room_id = std::move(value);
      have_room = true;
    } else {
      return false;
    }
  }
  if (ei_decode_longlong(buffer, &index, &signed_at) != 0 || index > end) return false;
  if (ei_decode_longlong(buffer, &index, &max_age) != 0 || index > end) return false;
  return have_peer && have_room && index == end;
}

// Tokens carry whole Unix milliseconds, truncated as Phoenix.Token's System.system_time does.
std::int64_t unix_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

std::string_view close_reason(TokenError error) {
  switch (error) {
    case TokenError::Missing:
      return "missing token";
    case TokenError::Expired:
      return "expired token";
    case TokenError::Invalid:
      break;
  }
  return "invalid token";
}

PeerTokenSigner::PeerTokenSigner(std::string_view secret_key_base) {
  // Phoenix.Token with the secret as its own salt: KeyGenerator = PBKDF2-HMAC-SHA256, 1000 rounds.
  PKCS5_PBKDF2_HMAC(secret_key_base.data(), static_cast<int>(secret_key_base.size()),
                    reinterpret_cast<const unsigned char*>(secret_key_base.data()),
                    static_cast<int>(secret_key_base.size()), 1000, EVP_sha256(),
                    static_cast<int>(key_.size()), key_.data());
}

std::string PeerTokenSigner::sign(const PeerIdentity& identity, std::chrono::system_clock::time_point now) const {
  ei_x_buff term;
  ei_x_new_with_version(&term);
  ei_x_encode_tuple_header(&term, 3);
  ei_x_encode_map_header(&term, 2);
  ei_x_encode_atom(&term, "peer_id");
  ei_x_encode_binary(&term, identity.peer_id.data(), static_cast<long>(identity.peer_id.size()));
  ei_x_encode_atom(&term, "room_id");
  ei_x_encode_binary(&term, identity.room_id.data(), static_cast<long>(identity.room_id.size()));
  ei_x_encode_longlong(&term, unix_ms(now));
  ei_x_encode_longlong(&term, kMaxAgeSeconds);
  std::string signed_part = std::string(kProtected) + "." +
                            base64url_encode(reinterpret_cast<const unsigned char*>(term.buff),
                                             static_cast<std::size_t>(term.index));
  ei_x_free(&term);
  auto signature = hmac_sha256(key_, signed_part);
  return signed_part + "." + base64url_encode(signature.data(), signature.size());
}

core::Result<PeerIdentity, TokenError> PeerTokenSigner::verify(std::string_view token,
                                                               std::chrono::system_clock::time_point now) const {
  const std::int64_t now_ms = unix_ms(now);
  if (token.empty() || token.size() > kMaxTokenBytes) return TokenError::Invalid;
  auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return TokenError::Invalid;
  auto second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return TokenError::Invalid;
  }
  if (token.substr(0, first_dot) != kProtected) return TokenError::Invalid;

  // Compared as text: only the canonical encoding of the right MAC passes (no alternative
  // spellings through unused base64 bits), in constant time.
  auto signature = token.substr(second_dot + 1);
  auto digest = hmac_sha256(key_, token.substr(0, second_dot));
  auto expected = base64url_encode(digest.data(), digest.size());
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return TokenError::Invalid;
  }
  auto payload = base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!payload) return TokenError::Invalid;

  PeerIdentity identity;
  long long signed_at = 0;
  long long max_age = 0;
  if (!decode_payload(*payload, identity, signed_at, max_age)) return TokenError::Invalid;
  if (max_age <= 0 || max_age > kMaxAgeSeconds) max_age = kMaxAgeSeconds;
  if (signed_at < 0 || signed_at > now_ms + max_age * 1000) return TokenError::Invalid;  // no overflow below
  if (signed_at + max_age * 1000 < now_ms) return TokenError::Expired;
  return identity;
}

}  // namespace shoal::auth
