// The packet path of a room: RTP from a publisher to every subscriber of its track, RTCP
// feedback from subscribers back to the publisher, and the RTCP the server itself owes each side
// (NACKs, receiver reports and transport-cc feedback to publishers, sender reports to
// subscribers). Runs on the room's loop only; no locks, no allocation per packet (one reusable
// buffer, rewritten and encrypted once per subscriber; RTCP is built in stack buffers).
#include "room/media_timer.hpp"
#include "room/room.hpp"
#include "rtc/rtcp/full_intra_request.hpp"
#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/receiver_report.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtp/rtx_packet.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace shoal::room {

namespace {

constexpr std::size_t kTransportFeedbackSize = 1200;

using RtcpBuffer = std::array<std::uint8_t, 8 + 31 * rtc::rtcp::ReportBlock::kSize + rtc::srtp::kMaxTrailerLength>;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Room::handle_peer_rtp(PeerMedia& media, std::span<std::uint8_t> bytes) {
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  if (!packet) return;
  const std::int64_t now = now_us();
  // Transport-wide feedback covers every packet, bandwidth probes and retransmissions included.
  if (const int transport_cc_id = media.inbound.transport_cc_extension_id(); transport_cc_id > 0) {
    if (auto sequence = packet->extension_u16(transport_cc_id)) {
      media.transport_cc_feedback.on_packet(*sequence, packet->ssrc(), now);
      if (media.transport_cc_feedback.due(now)) send_transport_feedback(media, now);
    }
  }

  const auto route = media.inbound.route(*packet);
  if (route.producer == nullptr) return;
  if (!route.rtx) {
    on_media_packet(*route.producer, route.stream, *packet, false, now);
    return;
  }
  // RTX (RFC 4588): restore the original packet in place and treat it as a late one.
  const std::uint32_t original_ssrc = route.producer->stream(route.stream).ssrc();
  if (original_ssrc == 0) return;
  auto restored = rtc::rtp::rtx_unwrap(bytes, route.binding->payload_type, original_ssrc);
  if (!restored) return;  // padding-only probe
  auto original = rtc::rtp::RtpPacket::parse(*restored);
  if (original) on_media_packet(*route.producer, route.stream, *original, true, now);
}

void Room::on_media_packet(media::Producer& track, int source, const rtc::rtp::RtpPacket& packet, bool retransmitted,
                           std::int64_t arrival_us) {
  const std::int64_t now = arrival_us / 1000;
  const auto ingest = track.receive(source, packet, retransmitted, arrival_us);
  if (!ingest.forward) return;
  if (ingest.became_active && track.is_simulcast()) update_layer_activity(track, now);
  const bool keyframe = ingest.keyframe;
  if (!retransmitted) hls_push(track, source, packet);

  for (OutboundStream* stream : subscribers_of(track)) {
    // Simulcast selection changes the consumer's state: only for a subscriber that can receive.
    if (track.is_simulcast() && !can_send(*stream)) continue;
    switch (stream->consumer.select(source, keyframe, retransmitted)) {
      case media::Consumer::Selection::Drop:
        break;
      case media::Consumer::Selection::Forward:
        forward(*stream, packet, keyframe && !retransmitted, now);
        break;
      case media::Consumer::Selection::Switch:
        forward(*stream, packet, true, now);
        notify_encoding_switched(*stream);
        break;
    }
  }
}

bool Room::can_send(const OutboundStream& stream) const {
  const webrtc::PeerTransport* transport = stream.receiver->transport.get();
  return stream.consumer.active() && transport != nullptr && transport->connected();
}

bool Room::forward(OutboundStream& stream, const rtc::rtp::RtpPacket& packet, bool keyframe, std::int64_t now) {
  if (!can_send(stream)) return false;
  auto rewritten = stream.consumer.rewrite(packet, keyframe, now, forward_buffer_);
  if (rewritten.wants_keyframe) request_keyframe(stream, now);
  if (!rewritten.packet) return false;
  // Transport-wide numbers count per transport: the subscriber's feedback must describe what
  // we sent it, not what the publisher sent us.
  const std::int64_t sent_us = now_us();
  stamp_transport_sequence(stream, *rewritten.packet, sent_us);
  stream.consumer.sent(*rewritten.packet, now);
  stream.receiver->transport->send_rtp(std::span(forward_buffer_), rewritten.packet->bytes().size());
  // Probes go between frames, so no frame is split by padding.
  const media::Producer* track = stream.consumer.producer();
  if (packet.marker() && stream.receiver->downlink.padding_credit_bytes > 0 && track != nullptr && track->is_video()) {
    send_padding(stream, sent_us);
  }
  return true;
}

void Room::handle_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> bytes) {
  auto compound = rtc::rtcp::RtcpCompound::parse(bytes);
  if (!compound) return;
  const std::int64_t now_micros = now_us();
  const std::int64_t now = now_micros / 1000;
  // Dispatched once on type and format; the parser of that one kind then checks the body.
  // SDES, BYE, APP and REMB from subscribers are consumed (transport-cc drives our estimate).
  for (const auto& view : *compound) {
    switch (view.type) {
      case rtc::rtcp::kSenderReport:
        if (auto sr = rtc::rtcp::SenderReport::parse(view)) {
          forward_sender_report(media, sr->sender(), now_micros);
          for (std::size_t i = 0; i < sr->report_count(); ++i) measure_rtt(media, sr->report(i), now_micros);
        }
        break;
      case rtc::rtcp::kReceiverReport:
        if (auto rr = rtc::rtcp::ReceiverReport::parse(view)) {
          for (std::size_t i = 0; i < rr->report_count(); ++i) measure_rtt(media, rr->report(i), now_micros);
        }
        break;
      case rtc::rtcp::kTransportFeedback:
        if (view.count == rtc::rtcp::TransportCc::kFormat) {
          if (auto feedback = rtc::rtcp::TransportCc::parse(view)) on_downlink_feedback(media, *feedback, now_micros);
        } else if (view.count == rtc::rtcp::GenericNack::kFormat) {
          auto nack = rtc::rtcp::GenericNack::parse(view);
          OutboundStream* stream = nack ? media.outbound_by_ssrc(nack->media_ssrc()) : nullptr;
          if (stream == nullptr || !stream->consumer.keeps_history()) break;
          std::array<std::uint16_t, 64> lost{};
          const std::size_t count = nack->lost_sequence_numbers(lost);
          retransmit(*stream, std::span(lost.data(), count));
        }
        break;
      case rtc::rtcp::kPayloadFeedback:
        if (view.count == rtc::rtcp::PictureLossIndication::kFormat) {
          auto pli = rtc::rtcp::PictureLossIndication::parse(view);
          OutboundStream* stream = pli ? media.outbound_by_ssrc(pli->media_ssrc()) : nullptr;
          if (stream != nullptr && stream->consumer.producer() != nullptr) request_keyframe(*stream, now);
        } else if (view.count == rtc::rtcp::FullIntraRequest::kFormat) {
          auto fir = rtc::rtcp::FullIntraRequest::parse(view);
          for (std::size_t i = 0; fir && i < fir->entry_count(); ++i) {
            OutboundStream* stream = media.outbound_by_ssrc(fir->entry(i).ssrc);
            if (stream != nullptr && stream->consumer.producer() != nullptr) request_keyframe(*stream, now);
          }
        }
        break;
      default:
        break;
    }
  }
}

void Room::measure_rtt(PeerMedia& media, const rtc::rtcp::ReportBlock& block, std::int64_t now_us) {
  if (OutboundStream* stream = media.outbound_by_ssrc(block.ssrc)) stream->consumer.on_report_block(block, now_us);
}

void Room::retransmit(OutboundStream& stream, std::span<const std::uint16_t> sequence_numbers) {
  if (!can_send(stream)) return;
  const std::int64_t now_micros = now_us();
  const std::int64_t now = now_micros / 1000;
  std::uint64_t refused = 0;
  for (std::uint16_t seq : sequence_numbers) {
    const auto resend = stream.consumer.resend(seq, now);
    if (resend.refused) ++refused;
    if (resend.packet.empty()) continue;
    std::memcpy(forward_buffer_.data(), resend.packet.data(), resend.packet.size());
    if (auto copy = rtc::rtp::RtpPacket::parse(std::span(forward_buffer_.data(), resend.packet.size()))) {
      stamp_transport_sequence(stream, *copy, now_micros);
    }
    stream.receiver->transport->send_rtp(std::span(forward_buffer_), resend.packet.size());
  }
  if (refused > 0 && settings_.refusals != nullptr) settings_.refusals->add(metrics::Refusal::NackRetransmission, refused);
}

void Room::request_keyframe(OutboundStream& stream, std::int64_t now) {
  if (media::Producer* track = stream.consumer.producer()) track->request_keyframe(stream.consumer.keyframe_stream(), now);
}

void Room::send_transport_feedback(PeerMedia& media, std::int64_t now) {
  if (!media.transport || !media.transport->connected()) return;
  for (int i = 0; i < 4 && media.transport_cc_feedback.pending(); ++i) {
    std::array<std::uint8_t, kTransportFeedbackSize + rtc::srtp::kMaxTrailerLength> buffer{};
    auto length = media.transport_cc_feedback.write(std::span(buffer.data(), kTransportFeedbackSize),
                                                    media::kServerFeedbackSsrc, now);
    if (!length) break;
    media.transport->send_rtcp(buffer, *length);
  }
}

void Room::send_receiver_reports(PeerMedia& media, std::int64_t now) {
  if (!media.transport || !media.transport->connected()) return;
  std::array<rtc::rtcp::ReportBlock, 31> blocks{};
  std::size_t count = 0;
  for (const auto& binding : media.inbound.bindings()) {
    if (binding.producer == nullptr) continue;
    for (auto& source : binding.producer->streams()) {
      if (source.ssrc() == 0 || count == blocks.size()) continue;
      if (auto block = source.statistics().report(source.ssrc(), now)) blocks[count++] = *block;
    }
  }
  if (count == 0) return;
  RtcpBuffer buffer{};
  auto length = rtc::rtcp::write_receiver_report(buffer, media::kServerFeedbackSsrc, std::span(blocks.data(), count));
  if (length) media.transport->send_rtcp(buffer, *length);
}

// Sender reports are forwarded rather than regenerated: the publisher's SR ties its RTP clock to
// its own capture (NTP) clock, the same clock for its audio and its video, which is exactly what
// the subscriber needs for lip sync. We only rename the SSRC, move the RTP time through the
// munger's offset (what the subscriber sees after layer switches) and report our own counts.
// Each subscriber gets the SRs of the layer it currently receives.
void Room::forward_sender_report(PeerMedia& media, const rtc::rtcp::SenderInfo& report, std::int64_t now) {
  const auto route = media.inbound.find(report.ssrc);
  if (route.producer == nullptr || route.rtx) return;
  if (route.producer->on_sender_report(report.ssrc, report.ntp_timestamp, now) < 0) return;
  for (OutboundStream* out : subscribers_of(*route.producer)) {
    if (!can_send(*out)) continue;
    auto forwarded = out->consumer.translate_sender_report(report, now);
    if (!forwarded) continue;
    RtcpBuffer buffer{};
    if (auto length = rtc::rtcp::write_sender_report(buffer, *forwarded)) out->receiver->transport->send_rtcp(buffer, *length);
  }
}

void Room::handle_peer_transport_connected(PeerMedia& media) {
  const std::int64_t now = now_us() / 1000;
  for (auto& stream : media.outbound) {
    if (stream->consumer.active() && stream->consumer.producer()) request_keyframe(*stream, now);
  }
  // Subscribers that waited for this publisher's transport can now get their keyframe.
  for (auto& track : tracks_) {
    if (track->owner_id() != media.peer_id()) continue;
    for (OutboundStream* stream : subscribers_of(*track)) {
      if (stream->consumer.needs_keyframe()) request_keyframe(*stream, now);
    }
  }
  media_tick();
}

void Room::handle_peer_transport_failed(PeerMedia& media, std::string_view reason) {
  spdlog::warn("Peer \"{}\" in room \"{}\": media transport failed: {}", media.peer_id(), id_, reason);
}

void Room::media_tick() {
  if (media_timer_running_ || closed_) return;
  const bool any_media = std::any_of(peers_.begin(), peers_.end(), [](const Peer& p) { return p.media != nullptr; });
  if (!any_media) return;
  media_timer_running_ = true;
  media_timer_.expires_after(kMediaTick);
  media_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive) return;
    media_timer_running_ = false;
    if (ec || closed_) return;
    guard_room([&] { on_media_timer(); });
  });
}

void Room::on_media_timer() {
  const std::int64_t now_micros = now_us();
  const std::int64_t now = now_micros / 1000;
  for (auto& track : tracks_) {
    if (track->is_simulcast()) update_layer_activity(*track, now);
    // Pending keyframe requests are repeated until a keyframe arrives (PLIs get lost too).
    for (OutboundStream* stream : subscribers_of(*track)) {
      if (stream->consumer.needs_keyframe()) request_keyframe(*stream, now);
    }
  }
  const bool second = ++media_ticks_ % kMediaTicksPerSecond == 0;
  if (second) {
    for (auto& track : tracks_) {
      for (auto& source : track->streams()) source.update_rate(kMediaTickSeconds * kMediaTicksPerSecond);
    }
  }
  for (auto& peer : peers_) {
    if (!peer.media) continue;
    if (second) {
      send_receiver_reports(*peer.media, now_micros);
      update_downlink_rates(*peer.media);
      report_bandwidth_estimation(*peer.media);
    }
    allocate_downlink(*peer.media, now);
  }
  if (second) publish_endpoint_metrics();
  media_tick();
}

}  // namespace shoal::room
