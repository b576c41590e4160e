#pragma once
// What one frame of a fresh TCP TURN connection means for its handshake (tcp_turn_connection.hpp):
// only a request signed with the listener's secret and carrying a nonce this connection's
// TurnServer issued names the peer the connection is handed to. Apart from the socket-owning
// connection so the decision can be tested and fuzzed on bytes alone.
#include "core/time.hpp"
#include "rtc/turn/turn_client.hpp"
#include "rtc/turn/turn_server.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::webrtc {

enum class HandshakeVerdict {
  Unauthenticated,  // not a request signed with the secret: the connection's TurnServer answers it
  RefusedNonce,     // signed, but its nonce is missing, stale or issued to another connection
  Authenticated,    // peer_id names the peer to hand the connection to
};

struct HandshakeDecision {
  HandshakeVerdict verdict = HandshakeVerdict::Unauthenticated;
  std::string_view peer_id;  // Authenticated only: the USERNAME after its first ':', a view into the frame
};

// `frame` is one whole frame from TurnStreamFramer; `turn` is the connection's own TurnServer,
// whose configuration holds the secret and realm.
HandshakeDecision decide_handshake_frame(std::span<const std::uint8_t> frame, const rtc::turn::TurnServer& turn,
                                         const rtc::turn::TurnClient& client,
                                         core::Time now);

}  // namespace shoal::webrtc
