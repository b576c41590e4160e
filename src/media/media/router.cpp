#include "media/router.hpp"

#include <algorithm>

namespace shoal::media {

void Router::subscribe(Consumer& consumer) {
  if (consumer.producer() == nullptr) return;
  auto& list = consumers_[consumer.producer()];
  if (std::find(list.begin(), list.end(), &consumer) == list.end()) list.push_back(&consumer);
}

void Router::unsubscribe(Consumer& consumer) {
  if (consumer.producer() == nullptr) return;
  auto found = consumers_.find(consumer.producer());
  if (found == consumers_.end()) return;
  std::erase(found->second, &consumer);
  if (found->second.empty()) consumers_.erase(found);
}

void Router::attach(MediaSink& sink) {
  if (std::find(sinks_.begin(), sinks_.end(), &sink) == sinks_.end()) sinks_.push_back(&sink);
}

std::span<Consumer* const> Router::consumers(const Producer& producer) const {
  auto found = consumers_.find(&producer);
  if (found == consumers_.end()) return {};
  return found->second;
}

std::size_t Router::subscriptions() const {
  std::size_t count = 0;
  for (const auto& [producer, list] : consumers_) count += list.size();
  return count;
}

void Router::route(const Producer& producer, int stream, const rtc::rtp::RtpPacket& packet, bool keyframe,
                   bool retransmitted, core::Time now, std::span<std::uint8_t> scratch) const {
  if (!retransmitted) {
    for (MediaSink* sink : sinks_) sink->on_media(producer, stream, packet);
  }
  for (Consumer* consumer : consumers(producer)) {
    consumer->forward(stream, packet, keyframe, retransmitted, now, scratch);
  }
}

}  // namespace shoal::media
