#include "media/producer.hpp"

#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/srtp/srtp_profile.hpp"

namespace shoal::media {

std::uint8_t Producer::active_streams() const {
  std::uint8_t mask = 0;
  for (std::size_t i = 0; i < streams_.size(); ++i) mask |= static_cast<std::uint8_t>(streams_[i].active() << i);
  return mask;
}

Producer::Ingest Producer::receive(int index, const rtc::rtp::RtpPacket& packet, bool retransmitted,
                                   std::int64_t arrival_us) {
  ReceiveStream& stream = streams_[static_cast<std::size_t>(index)];
  const std::int64_t now_ms = arrival_us / 1000;
  const std::size_t size = packet.bytes().size();
  ++packets_;
  bytes_ += size;
  const auto arrival = stream.on_packet(packet.sequence_number(), packet.timestamp(), size, arrival_us, retransmitted,
                                        is_video());
  if (arrival.nack_due) send_nacks(stream, now_ms);
  if (arrival.keyframe_needed) request_keyframe(index, now_ms);
  Ingest ingest;
  if (!arrival.fresh) return ingest;
  ingest.forward = true;
  ingest.became_active = stream.mark_active();
  ingest.keyframe = !retransmitted && starts_keyframe(codec_, packet.payload());
  if (ingest.keyframe) stream.keyframe_received();
  return ingest;
}

void Producer::send_nacks(ReceiveStream& stream, std::int64_t now_ms) {
  if (!publisher_.feedback_ready() || stream.ssrc() == 0) return;
  std::array<std::uint16_t, 64> lost{};
  const std::size_t count = stream.collect_nacks(now_ms, lost);
  if (count == 0) return;
  std::array<std::uint8_t, 12 + 64 * 4 + rtc::srtp::kMaxTrailerLength> buffer{};
  auto length = rtc::rtcp::write_generic_nack(buffer, kServerFeedbackSsrc, stream.ssrc(), std::span(lost.data(), count));
  if (length) publisher_.send_feedback(buffer, *length);
}

void Producer::request_keyframe(int index, std::int64_t now_ms) {
  if (!is_video() || index < 0 || index >= kMaxStreams) return;
  ReceiveStream& stream = streams_[static_cast<std::size_t>(index)];
  if (!stream.keyframe_request_due(now_ms) || !publisher_.feedback_ready()) return;
  std::uint32_t media_ssrc = stream.ssrc();
  // Before its first packet a plain track's SSRC is known only from the SDP.
  if (media_ssrc == 0 && !is_simulcast() && !description_.ssrcs.empty()) media_ssrc = description_.ssrcs.front();
  if (media_ssrc == 0) return;
  stream.keyframe_requested(now_ms);
  std::array<std::uint8_t, 64 + rtc::srtp::kMaxTrailerLength> buffer{};
  auto length = rtc::rtcp::write_pli(buffer, kServerFeedbackSsrc, media_ssrc);
  if (length) publisher_.send_feedback(buffer, *length);
}

int Producer::on_sender_report(std::uint32_t ssrc, std::uint64_t ntp_timestamp, std::int64_t arrival_us) {
  if (ssrc == 0) return -1;
  for (int i = 0; i < kMaxStreams; ++i) {
    ReceiveStream& stream = streams_[static_cast<std::size_t>(i)];
    if (stream.ssrc() != ssrc) continue;
    stream.statistics().on_sender_report(ntp_timestamp, arrival_us);
    return i;
  }
  return -1;
}

bool Producer::expire_streams(std::int64_t now_ms, std::int64_t window_ms) {
  bool any = false;
  for (auto& stream : streams_) any |= stream.expire(now_ms, window_ms);
  return any;
}

}  // namespace shoal::media
