#include "media/router.hpp"

#include <algorithm>

namespace shoal::media {

void Router::subscribe(Consumer& consumer) {
  if (consumer.producer() == nullptr) return;
  auto& list = fanouts_[consumer.producer()].consumers;
  if (std::find(list.begin(), list.end(), &consumer) == list.end()) list.push_back(&consumer);
}

void Router::unsubscribe(Consumer& consumer) {
  if (consumer.producer() == nullptr) return;
  auto found = fanouts_.find(consumer.producer());
  if (found == fanouts_.end()) return;
  std::erase(found->second.consumers, &consumer);
  erase_if_unused(found);
}

void Router::add_outlet(const Producer& producer, TrackOutlet& outlet) {
  auto& list = fanouts_[&producer].outlets;
  if (std::find(list.begin(), list.end(), &outlet) == list.end()) list.push_back(&outlet);
}

void Router::remove_outlet(const Producer& producer, TrackOutlet& outlet) {
  auto found = fanouts_.find(&producer);
  if (found == fanouts_.end()) return;
  std::erase(found->second.outlets, &outlet);
  erase_if_unused(found);
}

void Router::erase_if_unused(std::unordered_map<const Producer*, Fanout>::iterator found) {
  if (found->second.consumers.empty() && found->second.outlets.empty()) fanouts_.erase(found);
}

void Router::attach(MediaSink& sink) {
  if (std::find(sinks_.begin(), sinks_.end(), &sink) == sinks_.end()) sinks_.push_back(&sink);
}

std::span<Consumer* const> Router::consumers(const Producer& producer) const {
  auto found = fanouts_.find(&producer);
  if (found == fanouts_.end()) return {};
  return found->second.consumers;
}

std::size_t Router::subscriptions() const {
  std::size_t count = 0;
  for (const auto& [producer, fanout] : fanouts_) count += fanout.consumers.size();
  return count;
}

void Router::route(const Producer& producer, int stream, const rtc::rtp::RtpPacket& packet, bool keyframe,
                   bool retransmitted, core::Time now, std::span<std::uint8_t> scratch) const {
  if (!retransmitted) {
    for (MediaSink* sink : sinks_) sink->on_media(producer, stream, packet);
  }
  auto found = fanouts_.find(&producer);
  if (found == fanouts_.end()) return;
  // Outlets first: the other loops fan the packet out while this one serves its own consumers.
  for (TrackOutlet* outlet : found->second.outlets) outlet->on_track_packet(stream, packet, keyframe, retransmitted, now);
  for (Consumer* consumer : found->second.consumers) {
    consumer->forward(stream, packet, keyframe, retransmitted, now, scratch);
  }
}

}  // namespace shoal::media
