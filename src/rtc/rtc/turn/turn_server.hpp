#pragma once
// Sans-IO server side of Jellyfish's "integrated TURN": long-term auth with stateless nonces,
// allocations with a mock relayed address (nothing listens on it), permissions, channels. Data
// a client sends "to a peer" is handed to the handler instead of being relayed; the handler
// answers through send_from_peer. One instance per listener; not thread-safe.
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/turn/turn_allocation.hpp"
#include "rtc/turn/turn_client.hpp"
#include "rtc/turn/turn_nonce.hpp"
#include "rtc/turn/turn_route.hpp"
#include "rtc/turn/turn_server_config.hpp"
#include "rtc/turn/turn_server_handler.hpp"
#include "rtc/turn/turn_stats.hpp"

namespace shoal::rtc::turn {

class TurnServer {
 public:
  TurnServer(TurnServerConfig config, TurnServerHandler& handler);

  // One datagram (UDP) or one frame from TurnStreamFramer (TCP). Never throws; garbage is counted.
  void handle_from_client(const TurnClient& client, std::span<const std::uint8_t> message,
                          core::Time now);
  // Server→client toward `client` as if from `peer`: ChannelData when a channel is bound to `peer`, else Data indication.
  // Returns false when there is no live allocation/permission. Uses an internal reusable buffer: no per-packet allocation.
  // Liveness is judged against the latest `now` seen by handle_from_client/expire.
  bool send_from_peer(const TurnClient& client, const boost::asio::ip::udp::endpoint& peer,
                      std::span<const std::uint8_t> payload);
  // The same in two steps, for a stream of packets: the route is resolved once (nullopt without
  // a live allocation and permission) and each packet then costs no lookup. send_on_route
  // returns false, sending nothing, once the route is stale: resolve it again.
  std::optional<TurnRoute> resolve_route(const TurnClient& client, const boost::asio::ip::udp::endpoint& peer) const;
  bool route_current(const TurnRoute& route) const {
    return route.generation == route_generation_ && now_ < route.valid_until;
  }
  bool send_on_route(const TurnRoute& route, const boost::asio::ip::udp::endpoint& peer,
                     std::span<const std::uint8_t> payload);
  // For a datagram its sender builds in place: when `route` is current and a channel over UDP,
  // writes the ChannelData header for `payload_size` bytes into `header` (in front of the
  // payload), counts the packet and returns true; otherwise false, writing nothing (send it with
  // send_on_route).
  bool frame_on_route(const TurnRoute& route, std::span<std::uint8_t, 4> header, std::size_t payload_size);
  void expire(core::Time now);  // drops expired allocations/permissions/channels
  void remove_client(const TurnClient& client);            // TCP connection closed
  std::size_t allocation_count() const { return allocations_.size(); }
  // Whether `nonce` is one this server issued to `client` and has not gone stale.
  bool nonce_valid(const TurnClient& client, std::string_view nonce, core::Time now) const {
    return nonces_.check(nonce, client, now) == TurnNonce::Check::Valid;
  }

  // The mock relayed address of the client's allocation (the ICE-lite side reports it as
  // XOR-MAPPED-ADDRESS in Binding responses), or nullopt without an allocation.
  std::optional<boost::asio::ip::udp::endpoint> relayed_address(const TurnClient& client) const;
  const TurnStats& stats() const { return stats_; }
  const TurnServerConfig& config() const { return config_; }

 private:
  struct Auth {
    std::string_view username;
    stun::LongTermKey key;
  };
  using Allocations = std::unordered_map<TurnClient, TurnAllocation, TurnClientHash>;

  void handle_stun(const TurnClient& client, const stun::StunMessage& message);
  void handle_channel_data(const TurnClient& client, const stun::ChannelData& frame);
  void handle_send(const TurnClient& client, const stun::StunMessage& message);
  void handle_binding(const TurnClient& client, const stun::StunMessage& request);
  void handle_allocate(const TurnClient& client, const stun::StunMessage& request);
  void handle_refresh(const TurnClient& client, const stun::StunMessage& request);
  void handle_create_permission(const TurnClient& client, const stun::StunMessage& request);
  void handle_channel_bind(const TurnClient& client, const stun::StunMessage& request);

  // Runs the long-term credential checks; on failure the error response is already sent.
  std::optional<Auth> authenticate(const TurnClient& client, const stun::StunMessage& request);
  // Shared prelude of Refresh/CreatePermission/ChannelBind: auth, allocation, 441, 420.
  TurnAllocation* authorized_allocation(const TurnClient& client, const stun::StunMessage& request, Auth& auth);
  // Sends 420 listing unknown comprehension-required attributes; true if it did.
  bool reject_unknown_attributes(const TurnClient& client, const stun::StunMessage& request, const stun::LongTermKey& key,
                                 bool dont_fragment_unsupported);

  void send_error(const TurnClient& client, const stun::StunMessage& request, std::uint16_t code,
                  const stun::LongTermKey* key, bool with_nonce);
  void send_response(const TurnClient& client);

  TurnAllocation* find_live(const TurnClient& client);
  Allocations::iterator erase_allocation(Allocations::iterator it, bool expired);
  std::optional<std::uint16_t> pick_relay_port(bool even);
  std::chrono::seconds desired_lifetime(std::optional<std::uint32_t> requested) const;
  stun::TransactionId next_indication_id();

  TurnServerConfig config_;
  TurnServerHandler& handler_;
  TurnNonce nonces_;
  Allocations allocations_;
  TurnStats stats_;
  core::Time now_{};
  std::uint64_t route_generation_ = 0;  // see TurnRoute::generation
  std::vector<std::uint8_t> response_;  // control responses, reused
  std::vector<std::uint8_t> data_;      // peer data toward clients, reused; separate so a handler
                                        // answering from inside a callback cannot clobber a response
  std::vector<TurnClient> closed_;      // expire() notifies after its sweep, so handlers may re-enter
  std::mt19937 rng_;
  stun::TransactionId indication_id_{};
};

}  // namespace shoal::rtc::turn
