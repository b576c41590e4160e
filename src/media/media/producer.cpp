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
                                   core::Time now) {
  ReceiveStream& stream = streams_[static_cast<std::size_t>(index)];
  const std::size_t size = packet.bytes().size();
  ++packets_;
  bytes_ += size;
  const auto arrival = stream.on_packet(packet.sequence_number(), packet.timestamp(), size, now, retransmitted,
                                        is_video());
  if (arrival.nack_due) send_nacks(stream, now);
  if (arrival.keyframe_needed) request_keyframe(index, now);
  if (!arrival.fresh) return {};
  return accept(stream, !retransmitted && starts_keyframe(codec_, packet.payload()));
}

Producer::Ingest Producer::accept(ReceiveStream& stream, bool keyframe) {
  Ingest ingest;
  ingest.forward = true;
  ingest.became_active = stream.mark_active();
  ingest.keyframe = keyframe;
  if (keyframe) stream.keyframe_received();
  return ingest;
}

Producer::Ingest Producer::receive_relayed(int index, const rtc::rtp::RtpPacket& packet, bool keyframe,
                                           bool retransmitted, core::Time arrival) {
  ReceiveStream& stream = streams_[static_cast<std::size_t>(index)];
  // The origin's stream may change SSRC (a publisher restarting its encoder); statistics follow.
  if (stream.ssrc() != packet.ssrc()) stream.bind(packet.ssrc(), description_.clock_rate);
  const std::size_t size = packet.bytes().size();
  ++packets_;
  bytes_ += size;
  stream.on_relayed_packet(packet.sequence_number(), packet.timestamp(), size, arrival, retransmitted);
  return accept(stream, keyframe);
}

void Producer::send_nacks(ReceiveStream& stream, core::Time now) {
  if (!publisher_.feedback_ready() || stream.ssrc() == 0) return;
  std::array<std::uint16_t, 64> lost{};
  const std::size_t count = stream.collect_nacks(now, lost);
  if (count == 0) return;
  std::array<std::uint8_t, 12 + 64 * 4 + rtc::srtp::kMaxTrailerLength> buffer{};
  auto length = rtc::rtcp::write_generic_nack(buffer, kServerFeedbackSsrc, stream.ssrc(), std::span(lost.data(), count));
  if (length) publisher_.send_feedback(buffer, *length);
}

void Producer::request_keyframe(int index, core::Time now) {
  if (!is_video() || index < 0 || index >= kMaxStreams) return;
  ReceiveStream& stream = streams_[static_cast<std::size_t>(index)];
  if (!stream.keyframe_request_due(now) || !publisher_.feedback_ready()) return;
  std::uint32_t media_ssrc = stream.ssrc();
  // Before its first packet a plain track's SSRC is known only from the SDP.
  if (media_ssrc == 0 && !is_simulcast() && !description_.ssrcs.empty()) media_ssrc = description_.ssrcs.front();
  if (media_ssrc == 0) return;
  stream.keyframe_requested(now);
  std::array<std::uint8_t, 64 + rtc::srtp::kMaxTrailerLength> buffer{};
  auto length = rtc::rtcp::write_pli(buffer, kServerFeedbackSsrc, media_ssrc);
  if (length) publisher_.send_feedback(buffer, *length);
}

int Producer::stream_index(std::uint32_t ssrc) const {
  if (ssrc == 0) return -1;
  for (int i = 0; i < kMaxStreams; ++i) {
    if (streams_[static_cast<std::size_t>(i)].ssrc() == ssrc) return i;
  }
  return -1;
}

int Producer::on_sender_report(std::uint32_t ssrc, std::uint64_t ntp_timestamp, core::Time arrival) {
  const int index = stream_index(ssrc);
  if (index >= 0) stream(index).statistics().on_sender_report(ntp_timestamp, arrival);
  return index;
}

bool Producer::expire_streams(core::Time now, core::Duration window) {
  bool any = false;
  for (auto& stream : streams_) any |= stream.expire(now, window);
  return any;
}

}  // namespace shoal::media
