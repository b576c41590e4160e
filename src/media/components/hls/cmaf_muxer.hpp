#pragma once
// Fragmented MP4 (CMAF) in memory: one init segment, then a moof+mdat fragment each time the
// caller cuts one. HLS segments and low-latency parts are made of these fragments.
#include "components/hls/av_handles.hpp"

#include <string>

namespace shoal::components::hls {

class CmafMuxer {
 public:
  CmafMuxer(const AVCodecContext& video_encoder, const AVCodecContext& audio_encoder);
  ~CmafMuxer();
  CmafMuxer(const CmafMuxer&) = delete;
  CmafMuxer& operator=(const CmafMuxer&) = delete;

  static constexpr int kVideoStream = 0;
  static constexpr int kAudioStream = 1;

  // ftyp + moov, available from construction.
  const std::string& init_segment() const { return init_; }
  // Queues one encoded packet (timestamps in its encoder's time base) for the open fragment.
  void write(AVPacket& packet, int stream, AVRational encoder_time_base);
  // Closes the open fragment and returns its bytes (empty when nothing was written).
  std::string cut_fragment();

 private:
  static int on_write(void* self, std::uint8_t* data, int size);

  AVFormatContext* format_ = nullptr;
  AVIOContext* io_ = nullptr;
  std::string output_;  // bytes written by the muxer since the last cut
  std::string init_;
  bool pending_ = false;
};

}  // namespace shoal::components::hls
