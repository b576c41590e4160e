#pragma once
// H264 NAL unit types (ITU-T H.264 table 7-1) and the RTP aggregation/fragmentation types of
// RFC 6184 that the H264 packet readers share.
#include <cstdint>

namespace shoal::rtc::rtp::h264 {

inline constexpr std::uint8_t kNalIdr = 5;
inline constexpr std::uint8_t kNalSps = 7;
inline constexpr std::uint8_t kNalPps = 8;
inline constexpr std::uint8_t kStapA = 24;
inline constexpr std::uint8_t kFuA = 28;

}  // namespace shoal::rtc::rtp::h264
