#include "rtc/ice/ice_credentials.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>

namespace shoal::rtc::ice {

namespace {

std::string random_token(std::size_t length) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::array<std::uint8_t, 64> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) std::abort();
  std::string out;
  out.reserve(length);
  // 62 symbols: rejection sampling keeps every character equally likely.
  for (std::size_t i = 0; i < random.size() && out.size() < length; ++i) {
    if (random[i] < 248) out.push_back(kAlphabet[random[i] % 62]);
  }
  while (out.size() < length) out += random_token(length - out.size());
  return out;
}

}  // namespace

IceCredentials random_ice_credentials() { return {random_token(4), random_token(22)}; }

}  // namespace shoal::rtc::ice
