#pragma once
// Cluster mode: this node's distribution endpoint plus room placement. Every node pushes its
// load (forwarded tracks, rooms, peers, CPU, draining) to the others when it changes and every
// second (load_publisher.hpp); on POST /room the room goes to the node with the fewest forwarded
// tracks (ties: fewer rooms) among this one and the connected nodes that are not draining, and
// that node's JF_HOST is returned. The decision reads the pushed table (load_table.hpp); only a
// node whose last report is older than the freshness bound is asked, as every node was before,
// so one slow node does not slow every create.
//
// Wire terms (Erlang external term format, on DistNode calls):
//   {shoal_usage}                                   -> {usage, ForwardedTracks, Rooms}
//        (asked of a node with no fresh pushed load: nodes of older versions push none)
//   to registered name shoal_load: {shoal_load, Tracks, Rooms, Peers, CpuPermille, State, Subs}
//        the sender's load; State: serving | draining; Subs: its server sockets subscribed to
//        notifications (relayed to it only while there are some)
//   {shoal_load, ...} as a call                     -> ok
//        the same, waited on: sent when a server socket subscribes
//   {shoal_address}                                 -> {address, <<JfHost>>}
//   {shoal_create_room, MaxPeers | nil, Codec, Url, <<Placement>>} -> {ok, RoomJson, Address}
//        Codec: nil | h264 | vp8, Url: nil | <<"http://...">>    | {error, Status, <<Text>>}
//   {shoal_rest, Method, <<Path>>, <<ParamsJson>>}   -> {Status, <<Body>>}
//        Method: get | post | delete; a REST request about a room this node owns, sent by the
//        node that received it (authenticated there); the owner answers it as its own
//   to registered name shoal_events: {shoal_event, Kind, <<RoomId>>, <<SubjectId>>}
//        server notifications of this node's rooms, so one server socket sees the cluster
//   to registered name shoal_placement: {shoal_abandon_create, <<Placement>>}
//        the caller of a create gave up waiting: a room made for it is deleted
//        (late_create_guard.hpp)
//
// Room ids carry their owner's tag (cluster/room_owner.hpp), so any node routes a room's
// requests to its owner without asking around.
#include "cluster/cluster_messages.hpp"
#include "cluster/dist_node.hpp"
#include "cluster/dns_poller.hpp"
#include "cluster/late_create_guard.hpp"
#include "cluster/load_publisher.hpp"
#include "cluster/load_table.hpp"
#include "core/result.hpp"
#include "notifications/server_event.hpp"
#include "room/room.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cluster {

// Where a room's requests go.
struct RoomOwner {
  enum class Kind { ThisNode, Connected, Unreachable, Unknown } kind = Kind::Unknown;
  std::string node;  // set for Connected and Unreachable
};

// Picks the node with the fewest forwarded tracks, ties broken by fewer rooms, then by name
// (so the choice is deterministic). Empty input: nullopt.
std::optional<NodeUsage> least_loaded(const std::vector<NodeUsage>& usages);

// How often nodes push their load, and how old a pushed load may be before placement asks.
struct LoadReporting {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds change_gap{250};
  std::chrono::milliseconds change_check{50};
  std::chrono::milliseconds freshness{3000};
};

class Cluster {
 public:
  // What this node contributes; called from distribution threads, so thread-safe.
  struct LocalNode {
    std::function<NodeUsage()> usage;
    std::function<core::Result<CreatedRoom, PlacementError>(const room::RoomConfig&)> create_room;
    // A notification relayed from another node (called on distribution threads).
    std::function<void(notifications::ServerEvent)> remote_event;
    // Answers a REST request forwarded by another node (called on distribution threads; may
    // block up to the forward timeout). nullopt: no answer (the caller reports the owner
    // unreachable).
    std::function<std::optional<RestReply>(const RestRequest&)> rest;
    std::string address{};  // JF_HOST: where clients reach this node
    // Deletes a room this node created for a placement whose caller gave up waiting (called on
    // distribution threads).
    std::function<void(const std::string& room_id)> delete_room{};
  };

  Cluster(config::DistConfig config, LocalNode local,
          std::chrono::milliseconds call_timeout = std::chrono::milliseconds(1000),
          std::chrono::milliseconds forward_timeout = std::chrono::milliseconds(5000),
          LoadReporting load_reporting = {});
  ~Cluster();

  DistStatus start();
  void stop();

  // Blocking (runs distribution calls): call it off the event loops.
  core::Result<CreatedRoom, PlacementError> place_room(const room::RoomConfig& config);
  // This node's load and that of every connected node: pushed, or asked when not fresh.
  std::vector<NodeUsage> gather_usage();
  // Sends one of this node's notifications to every connected node that wants them (one with a
  // subscribed server socket, or whose report is missing; see LoadTable::wants_events).
  void relay_event(const notifications::ServerEvent& event);
  // Server sockets here subscribed to server notifications (thread-safe counts)...
  void add_event_subscriber();
  void remove_event_subscriber();
  // ...and, blocking, telling every connected node now (returns once sent), so that after a
  // subscription their rooms' events reach this node.
  void announce_load();

  // A new room id tagged with this node (cluster/room_owner.hpp).
  std::string new_room_id() const;
  // The node a room id names (first match; ids of other clusters or plain UUIDs are Unknown).
  RoomOwner owner_of(const std::string& room_id) const;
  // Blocking: forwards a REST request to `node` and waits up to the forward timeout.
  std::optional<RestReply> forward(const std::string& node, const RestRequest& request);
  // Blocking: `node`'s public address (its JF_HOST), asked within the call timeout; nullopt
  // when it does not answer.
  std::optional<std::string> address_of(const std::string& node);
  // Blocking: GET /room of every connected node, in parallel, each within the call timeout.
  struct RoomLists {
    std::vector<std::string> lists;       // one {"data":[...]} body per node that answered
    std::vector<std::string> list_nodes;  // the node each of `lists` came from
    std::vector<std::string> unanswered;  // known nodes whose rooms are missing (sorted): not
                                          // connected, or no valid answer in time
  };
  RoomLists remote_room_lists();
  std::chrono::milliseconds forward_timeout() const { return forward_timeout_; }

  std::vector<std::string> connected_nodes() const { return node_.connected_nodes(); }
  // The other known nodes' last pushed load (never blocks; connected or not).
  std::vector<LoadTable::Report> load_reports() const;
  const std::string& node_name() const { return node_.node_name(); }
  bool running() const { return node_.running(); }

 private:
  std::vector<char> handle_call(const std::string& from_node, const char* term, std::size_t size);
  std::vector<char> serve_rest(const RestRequest& request);
  void handle_message(const std::string& from_node, const std::string& to_name, const std::vector<char>& term);
  // The same call to each of `nodes` at once, each within `timeout`; replies in `nodes`' order.
  std::vector<std::optional<std::vector<char>>> call_each(const std::vector<std::string>& nodes,
                                                          const std::vector<char>& term,
                                                          std::chrono::milliseconds timeout);
  std::vector<NodeUsage> ask_usage(const std::vector<std::string>& nodes);
  void deliver_load(const std::vector<std::string>& nodes, const std::vector<char>& term);
  core::Result<CreatedRoom, PlacementError> create_here(const room::RoomConfig& config);
  void delete_late_room(const std::string& room_id);

  void start_dns_discovery();

  std::string start_error_;  // set by the constructor (DNS mode: own host not resolvable)
  DistNode node_;
  LocalNode local_;
  std::chrono::milliseconds call_timeout_;
  std::chrono::milliseconds forward_timeout_;
  config::DistStrategy strategy_;
  std::string dns_query_;
  std::chrono::milliseconds polling_interval_;
  std::unique_ptr<DnsPoller> dns_;
  LateCreateGuard late_creates_;
  LoadTable loads_;
  std::atomic<std::uint64_t> event_subscribers_{0};
  LoadPublisher load_publisher_;
};

// DNS strategy: other nodes are found by address, so this node's name must carry an address
// too. Returns `name@<first address of host>` (unchanged when the host is already an address),
// or nullopt when the host does not resolve.
std::optional<std::string> node_name_with_address(const std::string& node_name);

}  // namespace shoal::cluster
