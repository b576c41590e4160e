#include "components/hls/video_track_decoder.hpp"

namespace shoal::components::hls {

VideoTrackDecoder::VideoTrackDecoder() {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (codec == nullptr) throw std::runtime_error("FFmpeg has no H264 decoder");
  decoder_.reset(avcodec_alloc_context3(codec));
  if (!decoder_) throw std::bad_alloc();
  // One thread and no frame delay: the mixer wants the newest picture now, not throughput.
  decoder_->thread_count = 1;
  decoder_->flags |= AV_CODEC_FLAG_LOW_DELAY;
  check_av(avcodec_open2(decoder_.get(), codec, nullptr), "opening the H264 decoder");
}

void VideoTrackDecoder::on_packet(std::uint32_t ssrc, std::uint16_t sequence_number, std::uint32_t timestamp,
                                  bool marker, std::span<const std::uint8_t> payload) {
  if (ssrc != ssrc_) {  // another simulcast layer or a restarted sender: start at its next IDR
    ssrc_ = ssrc;
    depacketizer_.reset();
  }
  if (auto unit = depacketizer_.push(sequence_number, timestamp, marker, payload)) {
    decode(unit->annex_b, unit->timestamp);
  }
}

void VideoTrackDecoder::decode(std::span<const std::uint8_t> access_unit, std::uint32_t timestamp) {
  packet_->data = const_cast<std::uint8_t*>(access_unit.data());
  packet_->size = static_cast<int>(access_unit.size());
  packet_->pts = timestamp;
  const int sent = avcodec_send_packet(decoder_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  if (sent < 0 && sent != AVERROR(EAGAIN)) {
    // Bad bitstream from a publisher is its problem, not the component's: wait for an IDR.
    ++decode_errors_;
    depacketizer_.reset();
    return;
  }
  for (;;) {
    const int received = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return;
    if (received < 0) {
      ++decode_errors_;
      depacketizer_.reset();
      return;
    }
    av_frame_unref(latest_.get());
    av_frame_move_ref(latest_.get(), decoded_.get());
    have_picture_ = true;
  }
}

}  // namespace shoal::components::hls
