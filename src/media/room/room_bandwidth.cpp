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

#include "log/log.hpp"

#include <algorithm>
#include <limits>

namespace shoal::room {

namespace {

constexpr double kMaxPaddingBps = 2'000'000;
constexpr std::chrono::milliseconds kFirstProbeBackoff{2000};
constexpr std::chrono::milliseconds kMaxProbeBackoff{12000};

}  // namespace

void Room::on_downlink_feedback(PeerMedia& media, const rtc::rtcp::TransportCc& feedback, core::Time now) {
  if (media.downlink.estimator) media.downlink.estimator->on_feedback(feedback, now);
}

void Room::update_downlink_rates(PeerMedia& media) {
  std::uint64_t bytes = 0;
  for (const auto& stream : media.outbound) bytes += stream->bytes();
  Downlink& downlink = media.downlink;
  if (bytes >= downlink.bytes_at_last_tick) {
    downlink.media_bps = static_cast<double>(bytes - downlink.bytes_at_last_tick) * 8.0 / kRateWindowSeconds;
  }
  downlink.bytes_at_last_tick = bytes;
}

void Room::allocate_downlink(PeerMedia& media, core::Time now) {
  Downlink& downlink = media.downlink;
  if (!downlink.estimator || !downlink.estimator->has_feedback()) return;
  const auto& estimator = *downlink.estimator;
  if (estimator.decreases() != downlink.decreases_seen) {
    if (downlink.padding_bps > 0) {  // our probe found the limit: back off before the next one
      downlink.probe_backoff = std::clamp(downlink.probe_backoff * 2, kFirstProbeBackoff, kMaxProbeBackoff);
      downlink.probe_resume = now + downlink.probe_backoff;
    }
    downlink.decreases_seen = estimator.decreases();
  }

  std::array<SimulcastDemand, 16> demands{};
  std::array<media::Consumer*, 16> streams{};
  std::size_t count = 0;
  double fixed_bps = 0;
  for (auto& stream : media.outbound) {
    if (!stream->active() || stream->producer() == nullptr) continue;
    const media::Producer& track = *stream->producer();
    if (!track.is_simulcast()) {
      fixed_bps += track.stream(0).bitrate_bps();
      continue;
    }
    if (count == demands.size()) continue;  // beyond 16 simulcast tracks: left uncapped
    SimulcastDemand& demand = demands[count];
    demand.target = stream->layers().target();
    demand.active_layers = track.active_streams();
    demand.current = stream->layers().current();
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
    media::Consumer& stream = *streams[i];
    media::LayerSelector& layers = stream.layers();
    const int wanted = layers.wanted();
    layers.set_cap(allocations[i].cap);
    if (layers.wanted() != wanted) {
      logging::debug(logging::peer(id_, media.peer_id()),
                     "Peer \"{}\": layer cap {} for track \"{}\" (estimate {:.0f} bps)", media.peer_id(),
                     media::rid_of_layer(allocations[i].cap), stream.track_id(), estimator.estimate_bps());
      if (stream.needs_keyframe()) stream.request_keyframe(now);
    }
    if (allocations[i].limited) shortfall += allocations[i].shortfall_bps;
  }
  if (shortfall == 0) {
    downlink.probe_backoff = std::chrono::milliseconds{0};
    downlink.probe_resume = core::Time{};
  }
  const bool may_probe = shortfall > 0 && now >= downlink.probe_resume &&
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
