#pragma once
// The Cluster's wire terms (listed in cluster.hpp) as other nodes send them, decoded apart from
// the Cluster that acts on them: these bytes come off the network, so their decoding lives where
// it can be tested and fuzzed without sockets or a running server.
//
// Every decoder takes a complete external term (version byte first), checks it with
// validate_term() before any ei decoding, and reports every failure as a value.
#include "core/result.hpp"
#include "notifications/server_event.hpp"
#include "room/room_config.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shoal::cluster {

// A node's load. Placement compares forwarded tracks, then rooms; the rest is reported so
// operators and later policies see it. A draining node takes no new rooms.
struct NodeUsage {
  std::string node;
  std::uint64_t forwarded_tracks = 0;
  std::uint64_t rooms = 0;
  std::uint64_t peers = 0;
  std::uint64_t cpu_permille = 0;  // of one core, over the last push interval
  bool draining = false;
  // Server sockets on the node subscribed to server notifications: other nodes relay their
  // rooms' notifications only to nodes that have one.
  std::uint64_t event_subscribers = 0;
};

struct CreatedRoom {
  std::string room_json;
  std::string address;    // jellyfish_address of the node that holds the room
  std::string node{};     // distribution name of that node (set by placement)
  std::string room_id{};  // set by the node that created it (not sent back)
};

struct PlacementError {
  int status = 500;
  std::string text;
};

// A REST request forwarded to the node that owns the room it names.
struct RestRequest {
  std::string method;  // "GET", "POST" or "DELETE"
  std::string path;    // as received, without the query, e.g. /room/<id>/peer
  std::string params;  // request parameters (query and body merged) as a JSON object
};

struct RestReply {
  int status = 0;
  std::string body;  // JSON, or empty (204)
};

// {shoal_usage}
struct UsageQuery {};

// {shoal_address}: the node's public address (its JF_HOST), where a client is sent for what
// only that node can serve (its rooms' HLS files).
struct AddressQuery {};

// {shoal_create_room, MaxPeers | nil, Codec, Url[, <<Placement>>]}. The webhook URL is only known
// to be a binary: whether it is a usable URL is for the handler to judge, which answers a bad one
// with a reply. Placement: a token the caller names this attempt by, should it give up waiting
// (late_create_guard.hpp); empty from callers that send none.
struct CreateRoomCall {
  room::RoomConfig config;
  std::string placement{};
};

// {shoal_load, ...} as a call (the load term below): a report the sender waits on, made when a
// server socket subscribes there, so events sent after the answer are relayed to it. The
// receiver records it and answers ok. `usage.node` is empty: the caller's name comes with the call.
struct LoadReport {
  NodeUsage usage;
};

// Why a call gets no answer.
enum class CallError {
  InvalidTerm,     // not a well-formed term, or not a tuple
  UnknownRequest,  // a tuple, but no request this node serves (operation or arity)
  BadArguments,    // a known request whose arguments have the wrong types or values
};

// {shoal_rest, Method, <<Path>>, <<ParamsJson>>} decodes to a RestRequest.
using ClusterCall = std::variant<CallError, UsageQuery, AddressQuery, CreateRoomCall, RestRequest, LoadReport>;

// What another node asks through DistNode::call().
ClusterCall decode_cluster_call(const char* term, std::size_t size);

// {shoal_event, Kind, <<RoomId>>, <<SubjectId>>} sent to shoal_events: a notification of one of
// the sender's rooms; nullopt for anything else. The event is marked as from another node.
std::optional<notifications::ServerEvent> decode_relayed_event(const char* term, std::size_t size);

// {shoal_abandon_create, <<Placement>>} sent to shoal_placement: the caller of a create gave up
// waiting for it. The token, at most 64 bytes; nullopt for anything else.
std::optional<std::string> decode_abandoned_create(const char* term, std::size_t size);

// {shoal_load, Tracks, Rooms, Peers, CpuPermille, serving | draining, EventSubscribers} sent to
// shoal_load: the
// sender's load, pushed periodically and when it changes (load_table.hpp). `node` is the
// connection's peer (the sender), not a field of the term.
std::vector<char> encode_load(const NodeUsage& usage);
std::optional<NodeUsage> decode_load(const std::string& node, const char* term, std::size_t size);

// The atom a notification kind travels as; nullopt for kinds that stay on their node.
std::optional<std::string_view> relayed_event_atom(notifications::ServerEventKind kind);

// Answers to this node's calls: {usage, Tracks, Rooms}, {ok, <<RoomJson>>, <<Address>>} |
// {error, Status, <<Text>>}, and {Status, <<Body>>} with Status an HTTP status.
std::optional<NodeUsage> decode_usage_reply(const std::string& node, const char* term, std::size_t size);
std::optional<core::Result<CreatedRoom, PlacementError>> decode_create_reply(const char* term, std::size_t size);
std::optional<RestReply> decode_rest_reply(const char* term, std::size_t size);
// {address, <<Address>>}: host[:port] made of letters, digits and ".-:[]_" only (at most 255
// bytes), since it ends up in a Location header; nullopt for anything else.
std::optional<std::string> decode_address_reply(const char* term, std::size_t size);
bool is_public_address(std::string_view address);

}  // namespace shoal::cluster
