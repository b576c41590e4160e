#pragma once
#include <cstdint>

namespace shoal::rtc::turn {

// Counters of one TurnServer; plain integers because a server is used from one thread.
struct TurnStats {
  std::uint64_t requests = 0;
  std::uint64_t success_responses = 0;
  std::uint64_t error_responses = 0;       // every error response, challenges included
  std::uint64_t auth_challenges = 0;       // 401 to a request without credentials (normal first step)
  std::uint64_t auth_failures = 0;         // 400 missing fields, 401 bad integrity, 438 stale nonce, 441
  std::uint64_t allocations_created = 0;
  std::uint64_t allocations_expired = 0;
  std::uint64_t allocations_deleted = 0;   // Refresh lifetime 0 or remove_client
  std::uint64_t packets_to_peer = 0;       // Send/ChannelData payloads given to on_peer_data
  std::uint64_t bytes_to_peer = 0;
  std::uint64_t packets_from_peer = 0;     // send_from_peer successes
  std::uint64_t bytes_from_peer = 0;
  std::uint64_t dropped_malformed = 0;     // not STUN/ChannelData, or unparsable
  std::uint64_t dropped_unexpected = 0;    // responses, unknown indications, bad FINGERPRINT
  std::uint64_t dropped_no_allocation = 0;
  std::uint64_t dropped_no_permission = 0;  // also ChannelData on an unbound channel
};

}  // namespace shoal::rtc::turn
