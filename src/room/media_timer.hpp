#pragma once
// The room's media timer: what runs on it per tick and once a second share these.
#include <chrono>

namespace shoal::room {

inline constexpr std::chrono::milliseconds kMediaTick{250};
inline constexpr unsigned kMediaTicksPerSecond = 4;  // receiver reports, rates, estimates
inline constexpr double kMediaTickSeconds = 0.25;
static_assert(kMediaTick.count() == 1000 / kMediaTicksPerSecond && kMediaTickSeconds * 1000 == kMediaTick.count());

}  // namespace shoal::room
