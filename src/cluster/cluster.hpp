#pragma once
// Cluster mode: this node's distribution endpoint plus room placement. On POST /room every
// connected node and this one report {forwarded tracks, rooms}; the room goes to the node with
// the fewest forwarded tracks (ties: fewer rooms), and that node's JF_HOST is returned.
//
// Wire terms (Erlang external term format, on DistNode calls):
//   {shoal_usage}                                   -> {usage, ForwardedTracks, Rooms}
//   {shoal_create_room, MaxPeers | nil, Codec, Url} -> {ok, RoomJson, Address}
//        Codec: nil | h264 | vp8, Url: nil | <<"http://...">>    | {error, Status, <<Text>>}
//   to registered name shoal_events: {shoal_event, Kind, <<RoomId>>, <<SubjectId>>}
//        server notifications of this node's rooms, so one server socket sees the cluster
#include "cluster/dist_node.hpp"
#include "notifications/server_event.hpp"
#include "room/room.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace shoal::cluster {

struct NodeUsage {
  std::string node;
  std::uint64_t forwarded_tracks = 0;
  std::uint64_t rooms = 0;
};

struct CreatedRoom {
  std::string room_json;
  std::string address;  // jellyfish_address of the node that holds the room
  std::string node;     // distribution name of that node (set by placement)
};

struct PlacementError {
  int status = 500;
  std::string text;
};

// Picks the node with the fewest forwarded tracks, ties broken by fewer rooms, then by name
// (so the choice is deterministic). Empty input: nullopt.
std::optional<NodeUsage> least_loaded(const std::vector<NodeUsage>& usages);

class Cluster {
 public:
  // What this node contributes; called from distribution threads, so thread-safe.
  struct LocalNode {
    std::function<NodeUsage()> usage;
    std::function<std::variant<CreatedRoom, PlacementError>(const room::RoomConfig&)> create_room;
    // A notification relayed from another node (called on distribution threads).
    std::function<void(notifications::ServerEvent)> remote_event;
  };

  Cluster(config::DistConfig config, LocalNode local,
          std::chrono::milliseconds call_timeout = std::chrono::milliseconds(1000));
  ~Cluster();

  DistStatus start();
  void stop();

  // Blocking (runs distribution calls): call it off the event loops.
  std::variant<CreatedRoom, PlacementError> place_room(const room::RoomConfig& config);
  std::vector<NodeUsage> gather_usage();
  // Sends one of this node's notifications to every connected node (non-blocking).
  void relay_event(const notifications::ServerEvent& event);

  std::vector<std::string> connected_nodes() const { return node_.connected_nodes(); }
  const std::string& node_name() const { return node_.node_name(); }
  bool running() const { return node_.running(); }

 private:
  std::vector<char> handle_call(const char* term, std::size_t size);
  void handle_message(const std::string& to_name, const std::vector<char>& term);

  DistNode node_;
  LocalNode local_;
  std::chrono::milliseconds call_timeout_;
};

}  // namespace shoal::cluster
