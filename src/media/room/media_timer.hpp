#pragma once
// The room's clock and media timer: what runs on it per tick and once a second share these.
#include <chrono>
#include <cstdint>

namespace shoal::room {

inline constexpr unsigned kMediaTicksPerSecond = 4;  // receiver reports, rates, estimates
inline constexpr std::chrono::milliseconds kMediaTick{1000 / kMediaTicksPerSecond};
inline constexpr double kMediaTickSeconds = std::chrono::duration<double>(kMediaTick).count();
// Rates are updated on every kMediaTicksPerSecond-th tick, over the bytes counted since.
inline constexpr double kRateWindowSeconds = kMediaTickSeconds * kMediaTicksPerSecond;

// Steady time, which everything on a room's loop measures with.
inline std::int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace shoal::room
