#pragma once
// Where a peer's packets toward one TURN client go, resolved once when ICE selects the path
// rather than looked up per packet: the client, and the channel bound to the peer (ChannelData)
// or none (a Data indication). TurnServer says when a route has gone stale.
#include "core/time.hpp"
#include "rtc/turn/turn_allocation.hpp"
#include "rtc/turn/turn_client.hpp"

#include <cstdint>
#include <optional>

namespace shoal::rtc::turn {

struct TurnRoute {
  TurnClient client;
  std::optional<std::uint16_t> channel;
  // The earliest expiry of the allocation, the permission and the channel: a refresh may move
  // them later, and the route is then simply resolved again.
  core::Time valid_until;
  // TurnServer's count of changes that can end or improve a route before valid_until
  // (allocation removed, channel bound).
  std::uint64_t generation = 0;
};

}  // namespace shoal::rtc::turn
