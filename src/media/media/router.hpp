#pragma once
// The fan-out of one room: which consumers receive each producer, and the sinks that take every
// producer's media. It hands each packet a producer accepted to them and does nothing else; the
// consumers decide, rewrite and send.
#include "media/consumer.hpp"
#include "media/media_sink.hpp"
#include "media/producer.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace shoal::media {

class Router {
 public:
  // Adds an active consumer to its producer's list (once).
  void subscribe(Consumer& consumer);
  void unsubscribe(Consumer& consumer);
  // The producer is going away: its list goes with it.
  void remove_producer(const Producer& producer) { consumers_.erase(&producer); }

  void attach(MediaSink& sink);
  void detach(MediaSink& sink) { std::erase(sinks_, &sink); }

  std::span<Consumer* const> consumers(const Producer& producer) const;
  std::size_t subscriptions() const;

  // A packet of producer stream `stream` (see Producer::receive), rewritten for each consumer
  // in `scratch`, one after the other; new packets also go to every sink.
  void route(const Producer& producer, int stream, const rtc::rtp::RtpPacket& packet, bool keyframe,
             bool retransmitted, core::Time now, std::span<std::uint8_t> scratch) const;

 private:
  std::unordered_map<const Producer*, std::vector<Consumer*>> consumers_;
  std::vector<MediaSink*> sinks_;
};

}  // namespace shoal::media
