#pragma once
// One published H264 track as the HLS mixer sees it: RTP in, the latest decoded picture out.
#include "components/hls/av_handles.hpp"
#include "rtc/rtp/h264_depacketizer.hpp"

#include <cstdint>
#include <span>

namespace shoal::components::hls {

class VideoTrackDecoder {
 public:
  VideoTrackDecoder();

  void on_packet(std::uint32_t ssrc, std::uint16_t sequence_number, std::uint32_t timestamp, bool marker,
                 std::span<const std::uint8_t> payload);

  // The last picture decoded, or null before the first one.
  const AVFrame* latest() const { return have_picture_ ? latest_.get() : nullptr; }
  // True while the decoder waits for a keyframe (after loss, corrupt data or a source switch).
  bool wants_keyframe() const { return depacketizer_.waiting_keyframe(); }
  std::uint64_t decode_errors() const { return decode_errors_; }

 private:
  void decode(std::span<const std::uint8_t> access_unit, std::uint32_t timestamp);

  rtc::rtp::H264Depacketizer depacketizer_;
  CodecContextPtr decoder_;
  PacketPtr packet_ = make_packet();
  FramePtr decoded_ = make_frame();
  FramePtr latest_ = make_frame();
  bool have_picture_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint64_t decode_errors_ = 0;
};

}  // namespace shoal::components::hls
