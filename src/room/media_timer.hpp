#pragma once
// The room's media timer: what runs on it per tick and once a second share these.
#include <chrono>

namespace shoal::room {

inline constexpr unsigned kMediaTicksPerSecond = 4;  // receiver reports, rates, estimates
inline constexpr std::chrono::milliseconds kMediaTick{1000 / kMediaTicksPerSecond};
inline constexpr double kMediaTickSeconds = std::chrono::duration<double>(kMediaTick).count();

}  // namespace shoal::room
