#pragma once
// The HLS output's encoders: H264 (x264) for the composed picture, AAC for the mixed sound.
#include "components/hls/av_handles.hpp"

#include <string>

namespace shoal::components::hls {

struct VideoEncoding {
  int width = 1920;
  int height = 1080;
  int frame_rate = 24;
  int keyframe_interval = 144;  // frames; segments start at keyframes
};

CodecContextPtr open_video_encoder(const VideoEncoding& encoding);
CodecContextPtr open_audio_encoder();

// The RFC 6381 codec string ("avc1.42c028") of an H264 encoder's parameter sets, for the
// master playlist's CODECS attribute.
std::string avc_codec_string(const AVCodecContext& encoder);

}  // namespace shoal::components::hls
