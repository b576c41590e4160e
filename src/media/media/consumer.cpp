#include "media/consumer.hpp"

#include <algorithm>
#include <cstring>

namespace shoal::media {

void Consumer::detach() {
  producer_ = nullptr;
  active_ = false;
}

bool Consumer::activate(const Negotiated& negotiated) {
  payload_type_ = negotiated.payload_type;
  extension_map_ = negotiated.extension_map;
  if (producer_ != nullptr && producer_->is_video() && !history_) {
    history_ = std::make_unique<rtc::rtp::RetransmissionBuffer>(kHistorySlots, kMaxPacket);
  }
  if (active_) return false;
  active_ = true;
  waiting_keyframe_ = true;
  return true;
}

std::uint8_t Consumer::transport_cc_extension_id() const {
  const int publisher_id = producer_ != nullptr ? producer_->transport_cc_extension_id() : 0;
  if (publisher_id <= 0 || publisher_id >= 256) return 0;
  return extension_map_[static_cast<std::size_t>(publisher_id)];
}

Consumer::Selection Consumer::select(int stream, bool keyframe, bool retransmitted) {
  if (producer_ == nullptr || !producer_->is_simulcast()) return Selection::Forward;
  if (retransmitted) return layers_.current() == stream ? Selection::Forward : Selection::Drop;
  if (waiting_keyframe_) {  // (re)negotiated: start over at a keyframe
    layers_.restart();
    waiting_keyframe_ = false;
  }
  return layers_.on_packet(stream, keyframe);
}

Consumer::Rewrite Consumer::rewrite(const rtc::rtp::RtpPacket& packet, bool keyframe, core::Time now,
                                    std::span<std::uint8_t> out) {
  Rewrite result;
  if (waiting_keyframe_) {
    if (!keyframe) {
      result.wants_keyframe = true;
      return result;
    }
    waiting_keyframe_ = false;
  }
  const auto source = packet.bytes();
  if (source.size() > kMaxPacket || source.size() > out.size()) return result;
  std::memcpy(out.data(), source.data(), source.size());
  auto copy = rtc::rtp::RtpPacket::parse(out.first(source.size()));
  if (!copy) return result;
  // A new input SSRC is a simulcast layer switch (the selector only allows it at a keyframe):
  // seq/ts and VP8 picture numbering continue where the previous layer stopped.
  const bool switched = source_ssrc_ != 0 && source_ssrc_ != packet.ssrc();
  if (!munger_.rewrite(*copy, now, switched)) return result;
  if (producer_ != nullptr && producer_->codec() == Codec::Vp8) vp8_munger_.rewrite(copy->mutable_payload(), switched);
  source_ssrc_ = packet.ssrc();
  copy->set_payload_type(payload_type_);
  copy->set_ssrc(ssrc_);
  copy->rewrite_extension_ids(extension_map_);
  result.packet = copy;
  return result;
}

void Consumer::sent(const rtc::rtp::RtpPacket& packet, core::Time now) {
  const std::size_t size = packet.bytes().size();
  if (history_) {
    history_->store(packet.sequence_number(), packet.bytes(), now);
    retransmit_credit_bytes_ =
        std::min(kRetransmitMaxCredit, retransmit_credit_bytes_ + kRetransmitShare * static_cast<double>(size));
  }
  ++packets_;
  bytes_ += size;
}

Consumer::Resend Consumer::resend(std::uint16_t sequence_number, core::Time now) {
  if (!history_) return {};
  // Until the RTT is measured, 100 ms: longer than a LAN's, shorter than most NACK retries.
  const std::int64_t min_interval = rtt_ms_ < 0 ? 100 : std::clamp<std::int64_t>(rtt_ms_, 10, 1000);
  auto taken = history_->take_for_resend(sequence_number, now, std::chrono::seconds{1}, std::chrono::milliseconds{min_interval});
  Resend resend{{}, taken.too_recent};
  if (taken.packet.empty() || taken.packet.size() > kMaxPacket) return resend;
  if (retransmit_credit_bytes_ < static_cast<double>(taken.packet.size())) {
    resend.refused = true;
    return resend;
  }
  retransmit_credit_bytes_ -= static_cast<double>(taken.packet.size());
  resend.packet = taken.packet;
  return resend;
}

void Consumer::on_report_block(const rtc::rtcp::ReportBlock& block, core::Time now) {
  if (block.last_sender_report == 0 || !last_sr_sent_ || block.last_sender_report != last_sr_ntp_middle_) {
    return;
  }
  // DLSR counts 1/65536 s (RFC 3550 6.4.1).
  const std::chrono::microseconds delay{static_cast<std::int64_t>(block.delay_since_last_sender_report) * 1'000'000 / 65536};
  const std::int64_t rtt = std::chrono::duration_cast<std::chrono::milliseconds>(now - *last_sr_sent_ - delay).count();
  if (rtt < 0 || rtt > 10'000) return;
  rtt_ms_ = rtt_ms_ < 0 ? rtt : (rtt_ms_ * 7 + rtt) / 8;
}

std::optional<rtc::rtcp::SenderInfo> Consumer::translate_sender_report(const rtc::rtcp::SenderInfo& report,
                                                                       core::Time now) {
  if (report.ssrc == 0 || source_ssrc_ != report.ssrc) return std::nullopt;
  auto timestamp = munger_.output_timestamp(report.rtp_timestamp);
  if (!timestamp) return std::nullopt;
  last_sr_ntp_middle_ = static_cast<std::uint32_t>(report.ntp_timestamp >> 16);
  last_sr_sent_ = now;
  return rtc::rtcp::SenderInfo{ssrc_, report.ntp_timestamp, *timestamp, static_cast<std::uint32_t>(packets_),
                               static_cast<std::uint32_t>(bytes_)};
}

void Consumer::forward(int stream, const rtc::rtp::RtpPacket& packet, bool keyframe, bool retransmitted,
                       core::Time now, std::span<std::uint8_t> scratch) {
  if (!can_send()) return;
  const Selection selection = select(stream, keyframe, retransmitted);
  if (selection == Selection::Drop) return;
  const auto out = subscriber_.rtp_buffer(scratch);
  auto rewritten = rewrite(packet, selection == Selection::Switch || (keyframe && !retransmitted), now, out);
  if (rewritten.wants_keyframe) request_keyframe(now);
  if (!rewritten.packet) return;
  subscriber_.number(*this, *rewritten.packet);
  sent(*rewritten.packet, now);
  subscriber_.send_rtp(out, rewritten.packet->bytes().size());
  if (packet.marker() && producer_ != nullptr && producer_->is_video()) subscriber_.frame_sent(*this, scratch);
  if (selection == Selection::Switch) subscriber_.layer_switched(*this);
}

std::uint64_t Consumer::answer_nack(std::span<const std::uint16_t> sequence_numbers, core::Time now,
                                    std::span<std::uint8_t> scratch) {
  if (!can_send()) return 0;
  std::uint64_t refused = 0;
  for (std::uint16_t seq : sequence_numbers) {
    const auto taken = resend(seq, now);
    if (taken.refused) ++refused;
    if (taken.packet.empty() || taken.packet.size() > scratch.size()) continue;
    std::memcpy(scratch.data(), taken.packet.data(), taken.packet.size());
    if (auto copy = rtc::rtp::RtpPacket::parse(scratch.first(taken.packet.size()))) subscriber_.number(*this, *copy);
    subscriber_.send_rtp(scratch, taken.packet.size());
  }
  return refused;
}

void Consumer::request_keyframe(core::Time now) {
  if (producer_ != nullptr) producer_->request_keyframe(keyframe_stream(), now);
}

bool Consumer::needs_keyframe() const {
  if (!active_ || producer_ == nullptr || !producer_->is_video()) return false;
  return waiting_keyframe_ || (producer_->is_simulcast() && layers_.waiting_keyframe());
}

int Consumer::keyframe_stream() const {
  if (producer_ == nullptr) return -1;
  if (!producer_->is_simulcast()) return 0;
  int layer = layers_.waiting_keyframe() || waiting_keyframe_ ? layers_.wanted() : layers_.current();
  if (layer == LayerSelector::kNone) layer = layers_.current();
  return layer;
}

}  // namespace shoal::media
