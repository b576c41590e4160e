#include "rtc/rtsp/rtsp_auth.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <memory>
#include <vector>

namespace shoal::rtc::rtsp {

namespace {

constexpr std::size_t kMaxParams = 32;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void skip_spaces(std::string_view text, std::size_t& at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
}

std::string_view read_token(std::string_view text, std::size_t& at) {
  const std::size_t start = at;
  while (at < text.size() && is_token_char(text[at])) ++at;
  return text.substr(start, at - start);
}

// A quoted-string (RFC 9110 §5.6.4) starting at `at`, unescaped; nullopt when unterminated.
std::optional<std::string> read_quoted(std::string_view text, std::size_t& at) {
  std::string out;
  for (++at; at < text.size(); ++at) {
    if (text[at] == '"') {
      ++at;
      return out;
    }
    if (text[at] == '\\') {
      if (++at == text.size()) return std::nullopt;
    }
    // Values are echoed in our requests' headers: nothing that could end a header line.
    if (static_cast<unsigned char>(text[at]) < 0x20 || text[at] == 0x7f) return std::nullopt;
    out += text[at];
  }
  return std::nullopt;
}

using Params = std::vector<std::pair<std::string, std::string>>;

// "name=value" pairs separated by commas after the scheme; false on malformed input.
bool read_params(std::string_view text, std::size_t at, Params& params) {
  for (;;) {
    skip_spaces(text, at);
    while (at < text.size() && text[at] == ',') {
      ++at;
      skip_spaces(text, at);
    }
    if (at == text.size()) return true;
    if (params.size() == kMaxParams) return false;
    const std::string_view name = read_token(text, at);
    skip_spaces(text, at);
    if (name.empty() || at == text.size() || text[at] != '=') return false;
    ++at;
    skip_spaces(text, at);
    std::string value;
    if (at < text.size() && text[at] == '"') {
      auto quoted = read_quoted(text, at);
      if (!quoted) return false;
      value = std::move(*quoted);
    } else {
      value = std::string(read_token(text, at));
    }
    params.emplace_back(std::string(name), std::move(value));
    skip_spaces(text, at);
    if (at < text.size() && text[at] != ',') return false;
  }
}

const std::string* find(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

bool list_contains(std::string_view list, std::string_view item) {
  std::size_t at = 0;
  while (at <= list.size()) {
    std::size_t end = list.find(',', at);
    if (end == std::string_view::npos) end = list.size();
    std::string_view entry = list.substr(at, end - at);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    if (iequals(entry, item)) return true;
    at = end + 1;
  }
  return false;
}

std::string hex_digest(DigestAlgorithm algorithm, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const EVP_MD* md = algorithm == DigestAlgorithm::Sha256 ? EVP_sha256() : EVP_md5();
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, md, nullptr) != 1) return {};
  std::string out;
  out.reserve(2 * length);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(length > 0 ? static_cast<std::size_t>(length) : 0);
  return out;
}

// A value inside a quoted-string of the Authorization header.
std::string quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

int rank(const AuthChallenge& challenge) {
  if (challenge.scheme == AuthScheme::Basic) return 0;
  return challenge.algorithm == DigestAlgorithm::Sha256 ? 2 : 1;
}

}  // namespace

std::optional<AuthChallenge> parse_challenge(std::string_view value) {
  std::size_t at = 0;
  skip_spaces(value, at);
  const std::string_view scheme = read_token(value, at);
  Params params;
  if (!read_params(value, at, params)) return std::nullopt;
  AuthChallenge challenge;
  if (const auto* realm = find(params, "realm")) challenge.realm = *realm;
  if (iequals(scheme, "Basic")) {
    challenge.scheme = AuthScheme::Basic;
    return challenge;
  }
  if (!iequals(scheme, "Digest")) return std::nullopt;
  challenge.scheme = AuthScheme::Digest;
  const auto* nonce = find(params, "nonce");
  if (nonce == nullptr || nonce->empty()) return std::nullopt;
  challenge.nonce = *nonce;
  if (const auto* opaque = find(params, "opaque")) challenge.opaque = *opaque;
  if (const auto* algorithm = find(params, "algorithm")) {
    challenge.algorithm_named = true;
    if (iequals(*algorithm, "MD5")) {
      challenge.algorithm = DigestAlgorithm::Md5;
    } else if (iequals(*algorithm, "SHA-256")) {
      challenge.algorithm = DigestAlgorithm::Sha256;
    } else {
      return std::nullopt;  // -sess variants, SHA-512-256, unknown names
    }
  }
  if (const auto* qop = find(params, "qop")) {
    if (!list_contains(*qop, "auth")) return std::nullopt;
    challenge.qop_auth = true;
  }
  if (const auto* stale = find(params, "stale")) challenge.stale = iequals(*stale, "true");
  return challenge;
}

std::optional<AuthChallenge> choose_challenge(std::span<const std::string_view> values) {
  std::optional<AuthChallenge> best;
  for (std::string_view value : values) {
    auto challenge = parse_challenge(value);
    if (challenge && (!best || rank(*challenge) > rank(*best))) best = std::move(challenge);
  }
  return best;
}

RequestAuthorizer::RequestAuthorizer(Credentials credentials, AuthChallenge challenge, std::string cnonce)
    : credentials_(std::move(credentials)), challenge_(std::move(challenge)), cnonce_(std::move(cnonce)) {}

std::string RequestAuthorizer::authorization(std::string_view method, std::string_view uri) {
  if (challenge_.scheme == AuthScheme::Basic) {
    return "Basic " + base64(credentials_.user + ":" + credentials_.password);
  }
  const DigestAlgorithm algorithm = challenge_.algorithm;
  const std::string ha1 =
      hex_digest(algorithm, credentials_.user + ":" + challenge_.realm + ":" + credentials_.password);
  const std::string ha2 = hex_digest(algorithm, std::string(method) + ":" + std::string(uri));
  std::string response;
  std::array<char, 9> nc{};
  if (challenge_.qop_auth) {
    std::snprintf(nc.data(), nc.size(), "%08x", ++nonce_count_);
    response = hex_digest(algorithm, ha1 + ":" + challenge_.nonce + ":" + nc.data() + ":" + cnonce_ + ":auth:" + ha2);
  } else {
    response = hex_digest(algorithm, ha1 + ":" + challenge_.nonce + ":" + ha2);
  }
  std::string out = "Digest username=" + quote(credentials_.user) + ", realm=" + quote(challenge_.realm) +
                    ", nonce=" + quote(challenge_.nonce) + ", uri=" + quote(uri) + ", response=" + quote(response);
  if (challenge_.algorithm_named) out += algorithm == DigestAlgorithm::Sha256 ? ", algorithm=SHA-256" : ", algorithm=MD5";
  if (!challenge_.opaque.empty()) out += ", opaque=" + quote(challenge_.opaque);
  if (challenge_.qop_auth) out += std::string(", qop=auth, nc=") + nc.data() + ", cnonce=" + quote(cnonce_);
  return out;
}

}  // namespace shoal::rtc::rtsp
