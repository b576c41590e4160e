#include "rtc/turn/turn_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>

namespace shoal::rtc::turn {

std::string turn_password(std::string_view secret, std::string_view username) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_length = 0;
  // HMAC() refuses a null key pointer even with zero length.
  static const unsigned char kEmpty = 0;
  const void* key = secret.empty() ? static_cast<const void*>(&kEmpty) : secret.data();
  if (HMAC(EVP_sha1(), key, static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(username.data()),
           username.size(), mac.data(), &mac_length) == nullptr) {
    return {};
  }
  std::string encoded(4 * ((mac_length + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), mac.data(),
                                      static_cast<int>(mac_length));
  encoded.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return encoded;
}

TurnCredentials issue_turn_credentials(std::string_view secret, std::string_view peer_id,
                                       std::chrono::system_clock::time_point now) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  TurnCredentials credentials;
  credentials.username = std::to_string(seconds);
  credentials.username += ':';
  credentials.username += peer_id;
  credentials.password = turn_password(secret, credentials.username);
  return credentials;
}

std::string random_turn_secret() {
  std::array<unsigned char, 10> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0F]);
  }
  return out;
}

}  // namespace shoal::rtc::turn
