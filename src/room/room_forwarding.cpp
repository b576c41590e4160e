// The packet path of a room: RTP from a publisher to every subscriber of its track, RTCP
// feedback from subscribers back to the publisher. Runs on the room's loop only; no locks, no
// allocation per packet (one reusable buffer, rewritten and encrypted once per subscriber).
#include "room/room.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/full_intra_request.hpp"
#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtp/h264_keyframe.hpp"
#include "rtc/rtp/vp8_payload_descriptor.hpp"
#include "rtc/sdp/session_description.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace shoal::room {

namespace {

constexpr std::int64_t kKeyframeRetryMs = 500;
// Feedback the server originates carries this sender SSRC (RFC 4585 allows any non-media one).
constexpr std::uint32_t kServerFeedbackSsrc = 1;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool is_keyframe(const PublishedTrack& track, std::span<const std::uint8_t> payload) {
  if (!track.is_video()) return true;
  if (rtc::sdp::iequals(track.codec_name, "VP8")) return rtc::rtp::is_vp8_keyframe(payload);
  if (rtc::sdp::iequals(track.codec_name, "H264")) return rtc::rtp::is_h264_keyframe(payload);
  return true;  // codecs we cannot inspect: forward from the first packet
}

std::string_view rid_of(const rtc::rtp::RtpPacket& packet, int extension_id) {
  if (extension_id <= 0) return {};
  auto value = packet.extension(extension_id);
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

}  // namespace

PublishedTrack* Room::inbound_track(PeerMedia& media, const rtc::rtp::RtpPacket& packet) {
  const std::uint32_t ssrc = packet.ssrc();
  for (auto& stream : media.inbound) {
    if (stream.track == nullptr) continue;
    if (std::find(stream.ssrcs.begin(), stream.ssrcs.end(), ssrc) != stream.ssrcs.end()) return stream.track;
    if (stream.rtx_ssrc == ssrc) return nullptr;  // retransmissions of the publisher: not forwarded yet
  }
  // Simulcast layers (and browsers that send no a=ssrc) are identified by header extensions;
  // the first packet of a new SSRC teaches us which stream it belongs to.
  for (auto& stream : media.inbound) {
    if (stream.track == nullptr) continue;
    auto rid = rid_of(packet, stream.rid_extension_id);
    if (!rid.empty() && !stream.track->rids.empty()) {
      if (std::find(stream.track->rids.begin(), stream.track->rids.end(), rid) == stream.track->rids.end()) continue;
      if (packet.payload_type() != stream.payload_type) continue;  // e.g. RTX with repaired-rid
      if (stream.ssrcs.size() < 8) {
        stream.ssrcs.push_back(ssrc);
        stream.track->ssrcs.push_back(ssrc);
        stream.track->ssrc_rids.emplace_back(rid);
      }
      return stream.track;
    }
    auto mid = rid_of(packet, stream.mid_extension_id);
    if (!mid.empty() && mid == stream.mid && stream.track->rids.empty() &&
        packet.payload_type() == stream.payload_type && stream.ssrcs.size() < 8) {
      stream.ssrcs.push_back(ssrc);
      stream.track->ssrcs.push_back(ssrc);
      return stream.track;
    }
  }
  return nullptr;
}

void Room::on_peer_rtp(PeerMedia& media, std::span<std::uint8_t> bytes) {
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  if (!packet) return;
  PublishedTrack* track = inbound_track(media, *packet);
  if (track == nullptr) return;
  ++track->packets;
  track->bytes += bytes.size();

  if (!track->rids.empty()) {
    // One simulcast layer is forwarded to everyone.
    auto at = std::find(track->ssrcs.begin(), track->ssrcs.end(), packet->ssrc());
    const auto index = static_cast<std::size_t>(at - track->ssrcs.begin());
    if (index >= track->ssrc_rids.size() || track->ssrc_rids[index] != track->selected_rid) return;
  }
  track->forwarded_ssrc = packet->ssrc();
  const bool keyframe = is_keyframe(*track, packet->payload());
  const std::int64_t now = now_ms();
  if (keyframe && track->is_video()) track->keyframe_requested_ms = -1;
  for (OutboundStream* stream : track->subscribers) forward(*stream, *packet, keyframe, now);
}

void Room::forward(OutboundStream& stream, const rtc::rtp::RtpPacket& packet, bool keyframe, std::int64_t now) {
  webrtc::PeerTransport* transport = stream.receiver->transport.get();
  if (!stream.active || transport == nullptr || !transport->connected()) return;
  if (stream.waiting_keyframe) {
    if (!keyframe) {
      request_keyframe(*stream.track, now);
      return;
    }
    stream.waiting_keyframe = false;
  }
  const auto source = packet.bytes();
  if (source.size() > webrtc::PeerTransport::kMaxPacket) return;
  std::memcpy(forward_buffer_.data(), source.data(), source.size());
  auto copy = rtc::rtp::RtpPacket::parse(std::span(forward_buffer_.data(), source.size()));
  if (!copy) return;
  const bool switched = stream.source_ssrc != 0 && stream.source_ssrc != packet.ssrc();
  if (!stream.munger.rewrite(*copy, now, switched)) return;
  stream.source_ssrc = packet.ssrc();
  copy->set_payload_type(stream.payload_type);
  copy->set_ssrc(stream.ssrc);
  copy->rewrite_extension_ids(stream.extension_map);
  if (stream.history) stream.history->store(copy->sequence_number(), copy->bytes(), now);
  ++stream.packets;
  stream.bytes += source.size();
  transport->send_rtp(std::span(forward_buffer_), source.size());
}

void Room::on_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> bytes) {
  auto compound = rtc::rtcp::RtcpCompound::parse(bytes);
  if (!compound) return;
  const std::int64_t now = now_ms();
  for (const auto& view : *compound) {
    if (auto pli = rtc::rtcp::PictureLossIndication::parse(view)) {
      if (OutboundStream* stream = media.outbound_by_ssrc(pli->media_ssrc()); stream && stream->track) {
        request_keyframe(*stream->track, now);
      }
    } else if (auto fir = rtc::rtcp::FullIntraRequest::parse(view)) {
      for (std::size_t i = 0; i < fir->entry_count(); ++i) {
        if (OutboundStream* stream = media.outbound_by_ssrc(fir->entry(i).ssrc); stream && stream->track) {
          request_keyframe(*stream->track, now);
        }
      }
    } else if (auto nack = rtc::rtcp::GenericNack::parse(view)) {
      OutboundStream* stream = media.outbound_by_ssrc(nack->media_ssrc());
      if (stream == nullptr || !stream->history) continue;
      std::array<std::uint16_t, 64> lost{};
      const std::size_t count = nack->lost_sequence_numbers(lost);
      retransmit(*stream, std::span(lost.data(), count));
    }
    // SR/RR/SDES/BYE/REMB/transport-cc: consumed here, as in the original.
  }
}

void Room::retransmit(OutboundStream& stream, std::span<const std::uint16_t> sequence_numbers) {
  webrtc::PeerTransport* transport = stream.receiver->transport.get();
  if (transport == nullptr || !transport->connected()) return;
  const std::int64_t now = now_ms();
  for (std::uint16_t seq : sequence_numbers) {
    auto stored = stream.history->find(seq, now, 1000);
    if (stored.empty() || stored.size() > webrtc::PeerTransport::kMaxPacket) continue;
    std::memcpy(forward_buffer_.data(), stored.data(), stored.size());
    transport->send_rtp(std::span(forward_buffer_), stored.size());
  }
}

void Room::request_keyframe(PublishedTrack& track, std::int64_t now) {
  if (!track.is_video()) return;
  if (track.keyframe_requested_ms >= 0 && now - track.keyframe_requested_ms < kKeyframeRetryMs) return;
  Peer* owner = find_peer(track.owner_id);
  if (owner == nullptr || !owner->media || !owner->media->transport || !owner->media->transport->connected()) return;
  const std::uint32_t media_ssrc = track.forwarded_ssrc != 0 ? track.forwarded_ssrc
                                   : track.ssrcs.empty()     ? 0
                                                             : track.ssrcs.front();
  if (media_ssrc == 0) return;
  track.keyframe_requested_ms = now;
  std::array<std::uint8_t, 64 + rtc::srtp::kMaxTrailerLength> buffer{};
  auto length = rtc::rtcp::write_pli(buffer, kServerFeedbackSsrc, media_ssrc);
  if (length) owner->media->transport->send_rtcp(buffer, *length);
}

void Room::on_peer_transport_connected(PeerMedia& media) {
  const std::int64_t now = now_ms();
  for (auto& stream : media.outbound) {
    if (stream->active && stream->track) request_keyframe(*stream->track, now);
  }
  // Subscribers that waited for this publisher's transport can now get their keyframe.
  for (auto& track : tracks_) {
    if (track->owner_id != media.peer_id()) continue;
    const bool waiting = std::any_of(track->subscribers.begin(), track->subscribers.end(),
                                     [](const OutboundStream* s) { return s->waiting_keyframe; });
    if (waiting) request_keyframe(*track, now);
  }
  media_tick();
}

void Room::on_peer_transport_failed(PeerMedia& media, std::string_view reason) {
  spdlog::warn("Peer \"{}\" in room \"{}\": media transport failed: {}", media.peer_id(), id_, reason);
}

void Room::media_tick() {
  if (media_timer_running_ || closed_) return;
  const bool any_media = std::any_of(peers_.begin(), peers_.end(), [](const Peer& p) { return p.media != nullptr; });
  if (!any_media) return;
  media_timer_running_ = true;
  media_timer_.expires_after(std::chrono::milliseconds(250));
  media_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive) return;
    media_timer_running_ = false;
    if (ec || closed_) return;
    const std::int64_t now = now_ms();
    // Pending keyframe requests are repeated until a keyframe arrives (PLIs get lost too).
    for (auto& track : tracks_) {
      const bool waiting = std::any_of(track->subscribers.begin(), track->subscribers.end(),
                                       [](const OutboundStream* s) { return s->waiting_keyframe; });
      if (waiting) request_keyframe(*track, now);
    }
    if (++media_ticks_ % 4 == 0) publish_endpoint_metrics();
    media_tick();
  });
}

}  // namespace shoal::room
