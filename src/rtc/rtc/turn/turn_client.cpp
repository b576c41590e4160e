#include "rtc/turn/turn_client.hpp"

namespace shoal::rtc::turn {

std::size_t TurnClientHash::operator()(const TurnClient& client) const {
  std::size_t h = std::hash<std::uint64_t>{}(client.connection);
  const auto mix = [&h](std::uint64_t v) { h ^= std::hash<std::uint64_t>{}(v) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  const auto address = client.address.address();
  if (address.is_v4()) {
    mix(address.to_v4().to_uint());
  } else {
    const auto bytes = address.to_v6().to_bytes();
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
      std::uint64_t word = 0;
      for (std::size_t j = 0; j < 8; ++j) word = (word << 8) | bytes[i + j];
      mix(word);
    }
  }
  mix(client.address.port());
  return h;
}

}  // namespace shoal::rtc::turn
