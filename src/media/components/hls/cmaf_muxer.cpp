#include "components/hls/cmaf_muxer.hpp"

extern "C" {
#include <libavutil/opt.h>
}

namespace shoal::components::hls {

namespace {

constexpr int kIoBufferSize = 64 * 1024;

}  // namespace

int CmafMuxer::on_write(void* self, std::uint8_t* data, int size) {
  static_cast<CmafMuxer*>(self)->output_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  return size;
}

CmafMuxer::CmafMuxer(const AVCodecContext& video_encoder, const AVCodecContext& audio_encoder) {
  check_av(avformat_alloc_output_context2(&format_, nullptr, "mp4", nullptr), "creating the MP4 muxer");
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) throw std::bad_alloc();
  io_ = avio_alloc_context(buffer, kIoBufferSize, 1, this, nullptr, &CmafMuxer::on_write, nullptr);
  if (io_ == nullptr) {
    av_free(buffer);
    throw std::bad_alloc();
  }
  format_->pb = io_;
  format_->flags |= AVFMT_FLAG_CUSTOM_IO;

  for (const AVCodecContext* encoder : {&video_encoder, &audio_encoder}) {
    AVStream* stream = avformat_new_stream(format_, nullptr);
    if (stream == nullptr) throw std::bad_alloc();
    check_av(avcodec_parameters_from_context(stream->codecpar, encoder), "describing a stream");
    stream->time_base = encoder->time_base;
  }
  AVDictionary* options = nullptr;
  // Fragments only when we say so, an empty moov up front, and offsets relative to each moof
  // so every fragment stands alone (what HLS needs of fMP4 segments).
  av_dict_set(&options, "movflags", "frag_custom+empty_moov+default_base_moof+cmaf", 0);
  const int written = avformat_write_header(format_, &options);
  av_dict_free(&options);
  check_av(written, "writing the MP4 init segment");
  avio_flush(io_);
  init_ = std::move(output_);
  output_.clear();
}

CmafMuxer::~CmafMuxer() {
  if (format_ != nullptr) avformat_free_context(format_);
  if (io_ != nullptr) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

void CmafMuxer::write(AVPacket& packet, int stream, AVRational encoder_time_base) {
  packet.stream_index = stream;
  av_packet_rescale_ts(&packet, encoder_time_base, format_->streams[stream]->time_base);
  check_av(av_write_frame(format_, &packet), "muxing a packet");
  pending_ = true;
}

std::string CmafMuxer::cut_fragment() {
  if (!pending_) return {};
  check_av(av_write_frame(format_, nullptr), "closing a fragment");
  avio_flush(io_);
  pending_ = false;
  std::string fragment = std::move(output_);
  output_.clear();
  return fragment;
}

}  // namespace shoal::components::hls
