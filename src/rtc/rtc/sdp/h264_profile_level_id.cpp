#include "rtc/sdp/h264_profile_level_id.hpp"

#include "rtc/sdp/fmtp_parameters.hpp"

namespace shoal::rtc::sdp {
namespace {

std::optional<std::uint8_t> hex_byte(char hi, char lo) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int h = nibble(hi), l = nibble(lo);
  if (h < 0 || l < 0) return std::nullopt;
  return static_cast<std::uint8_t>(h * 16 + l);
}

}  // namespace

bool H264ProfileLevelId::is_constrained_baseline() const {
  // Mask keeps the flags the pattern fixes; the 'x' positions are free.
  switch (profile_idc) {
    case 0x42: return (profile_iop & 0x4F) == 0x40;
    case 0x4D: return (profile_iop & 0x8F) == 0x80;
    case 0x58: return (profile_iop & 0xCF) == 0xC0;
    default: return false;
  }
}

std::optional<H264ProfileLevelId> parse_h264_profile_level_id(std::string_view text) {
  if (text.size() != 6) return std::nullopt;
  auto idc = hex_byte(text[0], text[1]);
  auto iop = hex_byte(text[2], text[3]);
  auto level = hex_byte(text[4], text[5]);
  if (!idc || !iop || !level) return std::nullopt;
  return H264ProfileLevelId{*idc, *iop, *level};
}

bool is_constrained_baseline(std::string_view fmtp) {
  auto text = fmtp_parameter(fmtp, "profile-level-id");
  if (!text) return false;
  auto decoded = parse_h264_profile_level_id(*text);
  return decoded && decoded->is_constrained_baseline();
}

}  // namespace shoal::rtc::sdp
