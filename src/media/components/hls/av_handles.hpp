#pragma once
// Owning handles for the FFmpeg objects the HLS pipeline uses, and the one error type it
// throws: the pipeline runs on its own thread, where an exception ends the component
// (ComponentCrashed), never the room or the process.
#include <memory>
#include <stdexcept>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/error.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace shoal::components::hls {

struct AvError : std::runtime_error {
  AvError(const std::string& what, int code);
};

// Throws AvError when an FFmpeg call returned a negative code.
int check_av(int code, const char* what);

struct CodecContextDeleter {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwsDeleter {
  void operator()(SwsContext* context) const { sws_freeContext(context); }
};
struct SwrDeleter {
  void operator()(SwrContext* context) const { swr_free(&context); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* fifo) const { av_audio_fifo_free(fifo); }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// Sends FFmpeg's own log lines to the server's log (warnings and errors; the rest at debug)
// instead of stderr. Idempotent.
void route_ffmpeg_log();

FramePtr make_frame();
PacketPtr make_packet();

}  // namespace shoal::components::hls
