#pragma once
// The room's clock and media timer: what runs on it per tick and once a second share these.

#include "core/time.hpp"

#include <chrono>

namespace shoal::room {

inline constexpr unsigned kMediaTicksPerSecond = 4;  // receiver reports, rates, estimates
inline constexpr std::chrono::milliseconds kMediaTick{1000 / kMediaTicksPerSecond};
inline constexpr double kMediaTickSeconds = std::chrono::duration<double>(kMediaTick).count();
// Rates are updated on every kMediaTicksPerSecond-th tick, over the bytes counted since.
inline constexpr double kRateWindowSeconds = kMediaTickSeconds * kMediaTicksPerSecond;

}  // namespace shoal::room
