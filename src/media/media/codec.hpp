#pragma once
// The codecs the packet path tells apart, decided once when a track is negotiated so that no
// packet compares codec names.
#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::media {

enum class Codec : std::uint8_t { Opus, Vp8, H264, Other };

// From an SDP rtpmap encoding name, case-insensitively ("VP8", "vp8", "H264", "opus").
Codec codec_from_name(std::string_view encoding_name);

// Whether a packet of this codec starts a frame a decoder can begin at. Packets of codecs we
// cannot inspect (audio, unknown video) all count as such: they are forwarded from the first one.
bool starts_keyframe(Codec codec, std::span<const std::uint8_t> payload);

}  // namespace shoal::media
