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

#include "log/log.hpp"

#include <algorithm>
#include <cstring>

namespace shoal::room {

namespace {

constexpr std::size_t kTransportFeedbackSize = 1200;

using RtcpBuffer = std::array<std::uint8_t, 8 + 31 * rtc::rtcp::ReportBlock::kSize + rtc::srtp::kMaxTrailerLength>;

}  // namespace

void Room::handle_peer_rtp(PeerMedia& media, std::span<std::uint8_t> bytes) {
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  if (!packet) return;
  const core::Time now = core::now();
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
                           core::Time arrival) {
  const core::Time now = arrival;
  const auto ingest = track.receive(source, packet, retransmitted, arrival);
  if (!ingest.forward) return;
  if (ingest.became_active && track.is_simulcast()) update_layer_activity(track, now);
  const bool keyframe = ingest.keyframe;

  router_.route(track, source, packet, keyframe, retransmitted, now, forward_buffer_);
}

void Room::handle_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> bytes) {
  auto compound = rtc::rtcp::RtcpCompound::parse(bytes);
  if (!compound) return;
  const core::Time now = core::now();
  // Dispatched once on type and format; the parser of that one kind then checks the body.
  // SDES, BYE, APP and REMB from subscribers are consumed (transport-cc drives our estimate).
  for (const auto& view : *compound) {
    switch (view.type) {
      case rtc::rtcp::kSenderReport:
        if (auto sr = rtc::rtcp::SenderReport::parse(view)) {
          forward_sender_report(media, sr->sender(), now);
          for (std::size_t i = 0; i < sr->report_count(); ++i) measure_rtt(media, sr->report(i), now);
        }
        break;
      case rtc::rtcp::kReceiverReport:
        if (auto rr = rtc::rtcp::ReceiverReport::parse(view)) {
          for (std::size_t i = 0; i < rr->report_count(); ++i) measure_rtt(media, rr->report(i), now);
        }
        break;
      case rtc::rtcp::kTransportFeedback:
        if (view.count == rtc::rtcp::TransportCc::kFormat) {
          if (auto feedback = rtc::rtcp::TransportCc::parse(view)) on_downlink_feedback(media, *feedback, now);
        } else if (view.count == rtc::rtcp::GenericNack::kFormat) {
          auto nack = rtc::rtcp::GenericNack::parse(view);
          media::Consumer* consumer = nack ? media.outbound_by_ssrc(nack->media_ssrc()) : nullptr;
          if (consumer == nullptr || !consumer->keeps_history()) break;
          std::array<std::uint16_t, 64> lost{};
          const std::size_t count = nack->lost_sequence_numbers(lost);
          const std::uint64_t refused = consumer->answer_nack(std::span(lost.data(), count), now, forward_buffer_);
          if (refused > 0 && settings_.refusals != nullptr) {
            settings_.refusals->add(metrics::Refusal::NackRetransmission, refused);
          }
        }
        break;
      case rtc::rtcp::kPayloadFeedback:
        if (view.count == rtc::rtcp::PictureLossIndication::kFormat) {
          auto pli = rtc::rtcp::PictureLossIndication::parse(view);
          if (media::Consumer* consumer = pli ? media.outbound_by_ssrc(pli->media_ssrc()) : nullptr) {
            consumer->request_keyframe(now);
          }
        } else if (view.count == rtc::rtcp::FullIntraRequest::kFormat) {
          auto fir = rtc::rtcp::FullIntraRequest::parse(view);
          for (std::size_t i = 0; fir && i < fir->entry_count(); ++i) {
            if (media::Consumer* consumer = media.outbound_by_ssrc(fir->entry(i).ssrc)) consumer->request_keyframe(now);
          }
        }
        break;
      default:
        break;
    }
  }
}

void Room::measure_rtt(PeerMedia& media, const rtc::rtcp::ReportBlock& block, core::Time now) {
  if (media::Consumer* consumer = media.outbound_by_ssrc(block.ssrc)) consumer->on_report_block(block, now);
}

void Room::send_transport_feedback(PeerMedia& media, core::Time now) {
  if (!media.transport || !media.transport->connected()) return;
  for (int i = 0; i < 4 && media.transport_cc_feedback.pending(); ++i) {
    std::array<std::uint8_t, kTransportFeedbackSize + rtc::srtp::kMaxTrailerLength> buffer{};
    auto length = media.transport_cc_feedback.write(std::span(buffer.data(), kTransportFeedbackSize),
                                                    media::kServerFeedbackSsrc, now);
    if (!length) break;
    media.transport->send_rtcp(buffer, *length);
  }
}

namespace {

// The report blocks of a publisher's streams; at most 31 fit one receiver report. Taking a
// block starts the next reporting interval, so blocks are only taken for a link that can send.
struct ReportBlocks {
  std::array<rtc::rtcp::ReportBlock, 31> blocks{};
  std::size_t count = 0;

  void add(media::Producer& producer, core::Time now) {
    for (auto& source : producer.streams()) {
      if (source.ssrc() == 0 || count == blocks.size()) continue;
      if (auto block = source.statistics().report(source.ssrc(), now)) blocks[count++] = *block;
    }
  }
  void send(media::PublisherLink& link) const {
    if (count == 0) return;
    RtcpBuffer buffer{};
    auto length = rtc::rtcp::write_receiver_report(buffer, media::kServerFeedbackSsrc, std::span(blocks.data(), count));
    if (length) link.send_feedback(buffer, *length);
  }
};

}  // namespace

void Room::send_receiver_reports(PeerMedia& media, core::Time now) {
  if (!media.feedback_ready()) return;
  ReportBlocks reports;
  for (const auto& binding : media.inbound.bindings()) {
    if (binding.producer != nullptr) reports.add(*binding.producer, now);
  }
  reports.send(media);
}

// RFC 3550 §6: a receiver reports what it gets. An RTSP source learns our losses from them, and
// some servers take them as a sign the client is still there.
void Room::send_receiver_reports(RtspSource& source, core::Time now) {
  if (source.track() == nullptr || !source.publisher().feedback_ready()) return;
  ReportBlocks reports;
  reports.add(*source.track(), now);
  reports.send(source.publisher());
}

// Sender reports are forwarded rather than regenerated: the publisher's SR ties its RTP clock to
// its own capture (NTP) clock, the same clock for its audio and its video, which is exactly what
// the subscriber needs for lip sync. We only rename the SSRC, move the RTP time through the
// munger's offset (what the subscriber sees after layer switches) and report our own counts.
// Each subscriber gets the SRs of the layer it currently receives.
void Room::forward_sender_report(PeerMedia& media, const rtc::rtcp::SenderInfo& report, core::Time now) {
  const auto route = media.inbound.find(report.ssrc);
  if (route.producer == nullptr || route.rtx) return;
  if (route.producer->on_sender_report(report.ssrc, report.ntp_timestamp, now) < 0) return;
  for (media::Consumer* consumer : router_.consumers(*route.producer)) {
    if (!consumer->can_send()) continue;
    auto forwarded = consumer->translate_sender_report(report, now);
    if (!forwarded) continue;
    RtcpBuffer buffer{};
    if (auto length = rtc::rtcp::write_sender_report(buffer, *forwarded)) consumer->subscriber().send_rtcp(buffer, *length);
  }
}

void Room::handle_peer_transport_connected(PeerMedia& media) {
  const core::Time now = core::now();
  for (auto& consumer : media.outbound) {
    if (consumer->active()) consumer->request_keyframe(now);
  }
  // Subscribers that waited for this publisher's transport can now get their keyframe.
  for (auto& track : tracks_) {
    if (track->owner_id() != media.peer_id()) continue;
    for (media::Consumer* consumer : router_.consumers(*track)) {
      if (consumer->needs_keyframe()) consumer->request_keyframe(now);
    }
  }
  media_tick();
}

void Room::handle_peer_transport_failed(PeerMedia& media, std::string_view reason) {
  logging::warn(logging::peer(id_, media.peer_id()), "Peer \"{}\" in room \"{}\": media transport failed: {}",
                media.peer_id(), id_, reason);
}

void Room::media_tick() {
  if (media_timer_running_ || closed_) return;
  const bool any_media =
      std::any_of(peers_.begin(), peers_.end(), [](const Peer& p) { return p.media != nullptr; }) ||
      std::any_of(components_.begin(), components_.end(),
                  [](const Component& c) { return c.rtsp != nullptr && c.rtsp->track() != nullptr; });
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
  const core::Time now = core::now();
  for (auto& track : tracks_) {
    if (track->is_simulcast()) update_layer_activity(*track, now);
    // Pending keyframe requests are repeated until a keyframe arrives (PLIs get lost too).
    for (media::Consumer* consumer : router_.consumers(*track)) {
      if (consumer->needs_keyframe()) consumer->request_keyframe(now);
    }
  }
  const bool second = ++media_ticks_ % kMediaTicksPerSecond == 0;
  if (second) {
    for (auto& track : tracks_) {
      for (auto& source : track->streams()) source.update_rate(kRateWindowSeconds);
    }
  }
  for (auto& peer : peers_) {
    if (!peer.media) continue;
    if (second) {
      send_receiver_reports(*peer.media, now);
      update_downlink_rates(*peer.media);
      report_bandwidth_estimation(*peer.media);
    }
    allocate_downlink(*peer.media, now);
  }
  if (second) {
    for (auto& component : components_) {
      if (component.rtsp) send_receiver_reports(*component.rtsp, now);
    }
    publish_endpoint_metrics();
  }
  media_tick();
}

}  // namespace shoal::room
