#pragma once
// Keeps VP8 picture id, TL0PICIDX and KEYIDX continuous across simulcast source switches
// (rtc_engine's VP8Munger), so the subscriber's decoder sees one stream rather than a jump it
// would treat as loss. Works like RtpMunger: per-source offsets, recomputed on switch so that
// the new source's first picture follows the last forwarded one; 0 until the first switch.
// Operates on the RTP payload in place; fields absent from a packet are left alone.
#include <cstdint>
#include <span>

namespace shoal::rtc::rtp {

class Vp8Munger {
 public:
  // switch_source must be true on the same packet where RtpMunger got it. Returns false (payload
  // untouched) when the VP8 descriptor does not parse.
  bool rewrite(std::span<std::uint8_t> payload, bool switch_source = false);

 private:
  bool started_ = false;
  bool has_picture_id_ = false;
  bool has_tl0_ = false;
  bool has_key_idx_ = false;
  std::uint16_t last_picture_id_ = 0;  // 15-bit space
  std::uint8_t last_tl0_ = 0;
  std::uint8_t last_key_idx_ = 0;  // 5-bit space
  std::uint16_t picture_id_offset_ = 0;
  std::uint8_t tl0_offset_ = 0;
  std::uint8_t key_idx_offset_ = 0;
};

}  // namespace shoal::rtc::rtp
