#pragma once
// H.264 profile-level-id (RFC 6184 §8.1): three hex bytes profile_idc, profile-iop
// (constraint_set0..5 flags), level_idc.
#include <cstdint>
#include <optional>
#include <string_view>

namespace shoal::rtc::sdp {

struct H264ProfileLevelId {
  std::uint8_t profile_idc = 0;
  std::uint8_t profile_iop = 0;
  std::uint8_t level_idc = 0;

  // Constrained Baseline as RFC 6184 Table 5 / libwebrtc define it: 42 x1xx0000,
  // 4D 1xxx0000 or 58 11xx0000 (level irrelevant).
  bool is_constrained_baseline() const;
};

// Decodes exactly six hex digits; anything else is nullopt.
std::optional<H264ProfileLevelId> parse_h264_profile_level_id(std::string_view text);

// True when the fmtp carries a profile-level-id that is Constrained Baseline. A missing
// profile-level-id means 420010 (Baseline, RFC 6184 default), which is not.
bool is_constrained_baseline(std::string_view fmtp);

}  // namespace shoal::rtc::sdp
