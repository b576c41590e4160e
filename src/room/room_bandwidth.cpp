// Bandwidth toward subscribers: every packet we send a subscriber carries our own transport-wide
// sequence number; its browser's transport-cc feedback drives a send-side estimate of its
// downlink (rtc/cc). For subscribers of simulcast tracks the estimate is shared between those
// tracks (bandwidth_allocator), capping each one's layer, and the subscriber is told
// (encodingSwitched with reason "low_bandwidth"). While a cap holds it back, the estimate is
// probed upwards with padding-only packets between frames, so a recovered path is noticed; a
// probe that causes congestion is paused with growing backoff. Each subscriber is also sent its
// estimate (bandwidthEstimation), as Jellyfish does. Non-simulcast tracks are always forwarded
// whole, as in the original.
#include "room/bandwidth_allocator.hpp"
#include "room/media_timer.hpp"
#include "room/room.hpp"
#include "rtc/common/big_endian.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>

namespace shoal::room {

namespace {

constexpr std::size_t kPaddingBytes = 255;                // RFC 3550 maximum, as Jellyfish
constexpr std::size_t kPaddingPacketBytes = 20 + kPaddingBytes;  // header + one-word extension
constexpr int kMaxPaddingPacketsPerFrame = 10;
constexpr double kMaxPaddingBps = 2'000'000;
// Rates are updated on every kMediaTicksPerSecond-th tick, over the bytes counted since.
constexpr double kRateWindowSeconds = kMediaTickSeconds * kMediaTicksPerSecond;
constexpr std::int64_t kFirstProbeBackoffMs = 2000;
constexpr std::int64_t kMaxProbeBackoffMs = 12000;

}  // namespace

void Room::stamp_transport_sequence(OutboundStream& stream, rtc::rtp::RtpPacket& packet, std::int64_t now_us) {
  const std::uint8_t id = stream.consumer.transport_cc_extension_id();
  if (id == 0) return;
  PeerMedia& receiver = *stream.receiver;
  const std::uint16_t sequence = receiver.next_transport_sequence;
  if (!packet.set_extension_u16(id, sequence)) return;
  ++receiver.next_transport_sequence;
  auto& estimator = receiver.downlink.estimator;
  if (!estimator) estimator = std::make_unique<rtc::cc::SendSideBandwidthEstimator>();
  estimator->on_sent(sequence, static_cast<std::uint32_t>(packet.bytes().size()), now_us);
}

void Room::on_downlink_feedback(PeerMedia& media, const rtc::rtcp::TransportCc& feedback, std::int64_t now_us) {
  if (media.downlink.estimator) media.downlink.estimator->on_feedback(feedback, now_us);
}

void Room::send_padding(OutboundStream& stream, std::int64_t now_us) {
  Downlink& downlink = stream.receiver->downlink;
  const std::uint8_t id = stream.consumer.transport_cc_extension_id();
  if (id == 0 || id > 14 || !downlink.estimator) return;  // only measured probes are worth sending
  for (int i = 0; i < kMaxPaddingPacketsPerFrame && downlink.padding_credit_bytes >= kPaddingPacketBytes; ++i) {
    auto mapped = stream.consumer.next_padding();
    if (!mapped) return;
    std::uint8_t* out = forward_buffer_.data();
    out[0] = 0x80 | 0x20 | 0x10;  // version 2, padding, extension
    out[1] = stream.consumer.payload_type() & 0x7F;
    rtc::store_u16(std::span(forward_buffer_), 2, mapped->sequence_number);
    rtc::store_u32(std::span(forward_buffer_), 4, mapped->timestamp);
    rtc::store_u32(std::span(forward_buffer_), 8, stream.consumer.ssrc());
    out[12] = 0xBE;  // one-byte header extensions (RFC 8285), one word
    out[13] = 0xDE;
    out[14] = 0;
    out[15] = 1;
    out[16] = static_cast<std::uint8_t>(id << 4 | 1);
    const std::uint16_t sequence = stream.receiver->next_transport_sequence++;
    rtc::store_u16(std::span(forward_buffer_), 17, sequence);
    out[19] = 0;
    std::fill(out + 20, out + kPaddingPacketBytes - 1, 0);
    out[kPaddingPacketBytes - 1] = kPaddingBytes;
    downlink.estimator->on_sent(sequence, kPaddingPacketBytes, now_us);
    downlink.padding_credit_bytes -= kPaddingPacketBytes;
    stream.receiver->transport->send_rtp(std::span(forward_buffer_), kPaddingPacketBytes);
  }
}

void Room::update_downlink_rates(PeerMedia& media) {
  std::uint64_t bytes = 0;
  for (const auto& stream : media.outbound) bytes += stream->consumer.bytes();
  Downlink& downlink = media.downlink;
  if (bytes >= downlink.bytes_at_last_tick) {
    downlink.media_bps = static_cast<double>(bytes - downlink.bytes_at_last_tick) * 8.0 / kRateWindowSeconds;
  }
  downlink.bytes_at_last_tick = bytes;
}

void Room::allocate_downlink(PeerMedia& media, std::int64_t now_ms) {
  Downlink& downlink = media.downlink;
  if (!downlink.estimator || !downlink.estimator->has_feedback()) return;
  const auto& estimator = *downlink.estimator;
  if (estimator.decreases() != downlink.decreases_seen) {
    if (downlink.padding_bps > 0) {  // our probe found the limit: back off before the next one
      downlink.probe_backoff_ms = std::clamp(downlink.probe_backoff_ms * 2, kFirstProbeBackoffMs, kMaxProbeBackoffMs);
      downlink.probe_resume_ms = now_ms + downlink.probe_backoff_ms;
    }
    downlink.decreases_seen = estimator.decreases();
  }

  std::array<SimulcastDemand, 16> demands{};
  std::array<OutboundStream*, 16> streams{};
  std::size_t count = 0;
  double fixed_bps = 0;
  for (auto& stream : media.outbound) {
    if (!stream->consumer.active() || stream->consumer.producer() == nullptr) continue;
    const media::Producer& track = *stream->consumer.producer();
    if (!track.is_simulcast()) {
      fixed_bps += track.stream(0).bitrate_bps();
      continue;
    }
    if (count == demands.size()) continue;  // beyond 16 simulcast tracks: left uncapped
    SimulcastDemand& demand = demands[count];
    demand.target = stream->consumer.layers().target();
    demand.active_layers = track.active_streams();
    demand.current = stream->consumer.layers().current();
    for (std::size_t layer = 0; layer < demand.layer_bps.size(); ++layer) {
      demand.layer_bps[layer] = track.streams()[layer].bitrate_bps();
    }
    streams[count++] = stream.get();
  }
  if (count == 0) {
    downlink.padding_bps = 0;
    downlink.padding_credit_bytes = 0;
    return;
  }
  // Until the path has shown a limit the estimate is only a starting guess: nothing is capped.
  const double budget = estimator.congested() ? estimator.estimate_bps() - fixed_bps
                                              : std::numeric_limits<double>::infinity();
  std::array<LayerAllocation, 16> allocations{};
  allocate_layers(budget, std::span(demands.data(), count), std::span(allocations.data(), count));
  double shortfall = 0;
  for (std::size_t i = 0; i < count; ++i) {
    OutboundStream& stream = *streams[i];
    media::LayerSelector& layers = stream.consumer.layers();
    const int wanted = layers.wanted();
    layers.set_cap(allocations[i].cap);
    if (layers.wanted() != wanted) {
      spdlog::debug("Peer \"{}\": layer cap {} for track \"{}\" (estimate {:.0f} bps)", media.peer_id(),
                    media::rid_of_layer(allocations[i].cap), stream.consumer.track_id(), estimator.estimate_bps());
      if (stream.consumer.needs_keyframe()) request_keyframe(stream, now_ms);
    }
    if (allocations[i].limited) shortfall += allocations[i].shortfall_bps;
  }
  if (shortfall == 0) {
    downlink.probe_backoff_ms = 0;
    downlink.probe_resume_ms = 0;
  }
  const bool may_probe = shortfall > 0 && now_ms >= downlink.probe_resume_ms &&
                         estimator.delay_state() == rtc::cc::BandwidthUsage::Normal;
  // Fill up to the estimate (never past what the better layers would need): the estimate can
  // only grow over what the subscriber demonstrably receives.
  downlink.padding_bps =
      may_probe ? std::clamp(std::min(estimator.estimate_bps(), downlink.media_bps + 1.1 * shortfall) -
                                 downlink.media_bps,
                             0.0, kMaxPaddingBps)
                : 0;
  downlink.padding_credit_bytes = std::min(downlink.padding_credit_bytes + downlink.padding_bps * kMediaTickSeconds / 8,
                                           downlink.padding_bps * 2 * kMediaTickSeconds / 8);
}

void Room::report_bandwidth_estimation(PeerMedia& media) {
  const Downlink& downlink = media.downlink;
  if (!downlink.estimator || !downlink.estimator->has_feedback()) return;
  const double estimate = downlink.estimator->estimate_bps();
  if (estimate == downlink.reported_bps) return;
  Peer* peer = find_peer(media.peer_id());
  if (peer == nullptr || !peer->channel || !peer->endpoint_ready) return;
  const nlohmann::json event = {
      {"type", "custom"},
      {"data", {{"type", "bandwidthEstimation"}, {"data", {{"estimation", estimate}}}}}};
  peer->channel->send_media_event(event.dump());
  media.downlink.reported_bps = estimate;
}

}  // namespace shoal::room
