#include "core/uuid.hpp"

#include <openssl/rand.h>

#include <array>
#include <random>

namespace shoal::core {

std::string make_uuid_v4() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Ids must stay unique even if the CSPRNG is unavailable; they are not secrets.
    thread_local std::mt19937_64 fallback{std::random_device{}()};
    for (auto& b : bytes) b = static_cast<unsigned char>(fallback());
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

}  // namespace shoal::core
