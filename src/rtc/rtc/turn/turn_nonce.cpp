#include "rtc/turn/turn_nonce.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <random>

namespace shoal::rtc::turn {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kNonceLength = 8 + 16;

std::uint32_t seconds_of(core::Time now) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

TurnNonce::TurnNonce(std::chrono::seconds lifetime) : lifetime_(lifetime) {
  if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
    // Nonces only need to be unforgeable by clients; fall back rather than run keyless.
    std::random_device device;
    for (auto& b : key_) b = static_cast<unsigned char>(device());
  }
}

std::array<unsigned char, 8> TurnNonce::mac(std::uint32_t issued, const TurnClient& client) const {
  std::array<unsigned char, 4 + 16 + 2 + 8> input{};
  std::size_t n = 0;
  for (int shift = 24; shift >= 0; shift -= 8) input[n++] = static_cast<unsigned char>(issued >> shift);
  const auto address = client.address.address();
  const auto v6 = address.is_v4() ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4())
                                  : address.to_v6();
  for (const auto b : v6.to_bytes()) input[n++] = b;
  input[n++] = static_cast<unsigned char>(client.address.port() >> 8);
  input[n++] = static_cast<unsigned char>(client.address.port());
  for (int shift = 56; shift >= 0; shift -= 8) input[n++] = static_cast<unsigned char>(client.connection >> shift);

  std::array<unsigned char, EVP_MAX_MD_SIZE> full{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), key_.data(), static_cast<int>(key_.size()), input.data(), n, full.data(), &length);
  std::array<unsigned char, 8> out{};
  std::copy_n(full.begin(), out.size(), out.begin());
  return out;
}

std::string TurnNonce::issue(const TurnClient& client, core::Time now) const {
  const std::uint32_t issued = seconds_of(now);
  std::string nonce;
  nonce.reserve(kNonceLength);
  for (int shift = 28; shift >= 0; shift -= 4) nonce.push_back(kHex[(issued >> shift) & 0xF]);
  for (const unsigned char b : mac(issued, client)) {
    nonce.push_back(kHex[b >> 4]);
    nonce.push_back(kHex[b & 0xF]);
  }
  return nonce;
}

TurnNonce::Check TurnNonce::check(std::string_view nonce, const TurnClient& client,
                                  core::Time now) const {
  if (nonce.size() != kNonceLength) return Check::Invalid;
  std::uint32_t issued = 0;
  std::array<unsigned char, 8> given{};
  for (std::size_t i = 0; i < kNonceLength; ++i) {
    const int v = hex_value(nonce[i]);
    if (v < 0) return Check::Invalid;
    if (i < 8) {
      issued = (issued << 4) | static_cast<std::uint32_t>(v);
    } else {
      const std::size_t j = (i - 8) / 2;
      given[j] = static_cast<unsigned char>((given[j] << 4) | v);
    }
  }
  const auto expected = mac(issued, client);
  if (CRYPTO_memcmp(expected.data(), given.data(), given.size()) != 0) return Check::Invalid;
  const std::uint32_t current = seconds_of(now);
  // Unsigned difference also rejects nonces "from the future" as very old.
  if (current - issued > static_cast<std::uint32_t>(lifetime_.count())) return Check::Stale;
  return Check::Valid;
}

}  // namespace shoal::rtc::turn
