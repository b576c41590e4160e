#include "relay/track_exports.hpp"

#include <algorithm>

namespace shoal::media {

TrackExports::TrackExports(std::shared_ptr<LoopRelay> relay, Router& router)
    : relay_(std::move(relay)), router_(router) {
  relay_->set_upstream(this);
}

TrackExports::~TrackExports() {
  // Keyframe requests still queued for this loop find no upstream and are dropped.
  relay_->set_upstream(nullptr);
  for (const auto& exported : exports_) router_.remove_outlet(exported->producer(), *exported);
}

void TrackExports::add(Producer& producer, std::uint32_t key) {
  if (key_of(producer)) return;
  auto& exported = exports_.emplace_back(std::make_unique<Export>(*this, producer, key));
  router_.add_outlet(producer, *exported);
}

void TrackExports::remove(const Producer& producer) {
  auto found = std::find_if(exports_.begin(), exports_.end(),
                            [&](const auto& exported) { return &exported->producer() == &producer; });
  if (found == exports_.end()) return;
  router_.remove_outlet(producer, **found);
  exports_.erase(found);
}

std::optional<std::uint32_t> TrackExports::key_of(const Producer& producer) const {
  for (const auto& exported : exports_) {
    if (&exported->producer() == &producer) return exported->key();
  }
  return std::nullopt;
}

void TrackExports::Export::on_track_packet(int stream, const rtc::rtp::RtpPacket& packet, bool keyframe,
                                           bool retransmitted, core::Time now) {
  if (owner_.relay_->send(key_, stream, packet, keyframe, retransmitted, now)) {
    owner_.relayed_bytes_ += packet.bytes().size();
  }
}

void TrackExports::on_relayed_keyframe_request(std::uint32_t key, int stream) {
  // A request for a track removed meanwhile finds nothing (keys are not reused).
  for (const auto& exported : exports_) {
    if (exported->key() == key) {
      exported->producer().request_keyframe(stream, core::now());
      return;
    }
  }
}

}  // namespace shoal::media
