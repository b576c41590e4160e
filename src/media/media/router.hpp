#pragma once
// The fan-out of one room on one loop: which consumers receive each producer, the outlets that
// carry a producer to the room's other loops, and the sinks that take every producer's media. It
// hands each packet a producer accepted to them and does nothing else; the consumers decide,
// rewrite and send.
#include "media/consumer.hpp"
#include "media/media_sink.hpp"
#include "media/producer.hpp"
#include "media/track_outlet.hpp"

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
  // The producer is going away: its consumers and outlets go with it.
  void remove_producer(const Producer& producer) { fanouts_.erase(&producer); }

  // The producer's packets also go to `outlet` (once), before this loop's consumers. Whoever
  // added it removes it before the producer goes away.
  void add_outlet(const Producer& producer, TrackOutlet& outlet);
  void remove_outlet(const Producer& producer, TrackOutlet& outlet);

  void attach(MediaSink& sink);
  void detach(MediaSink& sink) { std::erase(sinks_, &sink); }

  std::span<Consumer* const> consumers(const Producer& producer) const;
  std::size_t subscriptions() const;

  // A packet of producer stream `stream` (see Producer::receive), handed to the producer's
  // outlets, then rewritten for each consumer in `scratch`, one after the other; new packets
  // also go to every sink.
  void route(const Producer& producer, int stream, const rtc::rtp::RtpPacket& packet, bool keyframe,
             bool retransmitted, core::Time now, std::span<std::uint8_t> scratch) const;

 private:
  struct Fanout {
    std::vector<Consumer*> consumers;
    std::vector<TrackOutlet*> outlets;
  };
  void erase_if_unused(std::unordered_map<const Producer*, Fanout>::iterator found);

  std::unordered_map<const Producer*, Fanout> fanouts_;
  std::vector<MediaSink*> sinks_;
};

}  // namespace shoal::media
