#pragma once
// One type for instants on the monotonic clock. Before it, times travelled as bare integers of
// milliseconds or microseconds, and nothing stopped one being passed where the other was meant;
// as a chrono time point the compiler checks the unit and converts where it is exact. Code that
// depends on time is handed `now` by its caller rather than reading the clock itself, so tests
// drive time with made-up instants instead of sleeping.
#include <chrono>
#include <cstdint>

namespace shoal::core {

using MonotonicClock = std::chrono::steady_clock;
// An instant on the monotonic clock, to the microsecond.
using Time = std::chrono::time_point<MonotonicClock, std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

inline Time now() { return std::chrono::time_point_cast<std::chrono::microseconds>(MonotonicClock::now()); }

// Instants of a fake clock, for tests: `count` units after the clock's epoch.
constexpr Time at_us(std::int64_t count) { return Time{std::chrono::microseconds{count}}; }
constexpr Time at_ms(std::int64_t count) { return Time{std::chrono::milliseconds{count}}; }

}  // namespace shoal::core
