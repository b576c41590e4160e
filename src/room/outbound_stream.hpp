#pragma once
// A subscriber's m-line carrying one published track: the consumer that rewrites the track for
// this subscriber, and the subscriber it goes to. Owned by the subscriber's PeerMedia; lives on
// the room's loop.
#include "media/consumer.hpp"

#include <cstdint>
#include <string>

namespace shoal::room {

class PeerMedia;

struct OutboundStream {
  OutboundStream(std::string mid_, media::Producer& track, PeerMedia& receiver_, std::uint32_t ssrc)
      : mid(std::move(mid_)), receiver(&receiver_), consumer(track, ssrc) {}

  std::string mid;
  PeerMedia* receiver;
  media::Consumer consumer;
};

}  // namespace shoal::room
