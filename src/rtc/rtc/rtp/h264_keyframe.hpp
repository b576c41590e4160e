#pragma once
// H264 keyframe detection on an RTP payload (RFC 6184 packetization).
#include <cstdint>
#include <span>

namespace shoal::rtc::rtp {

// True when the payload carries an SPS (NAL type 7) or (the start of) the first slice of an IDR
// picture (type 5 with first_mb_in_slice 0): a single NAL unit packet of that type, a STAP-A
// aggregating one, or the start fragment (S=1) of an FU-A whose original type is one of them. A
// decoder can begin at such a packet, which is what the forwarder needs before it starts (or
// switches) a subscriber; a later slice of the same IDR picture is not such a packet.
bool is_h264_keyframe(std::span<const std::uint8_t> payload);

}  // namespace shoal::rtc::rtp
