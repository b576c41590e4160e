#include "cluster/cluster.hpp"

#include "cluster/term.hpp"

#include <ei.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

namespace shoal::cluster {

namespace {

// Reads an atom or returns "" (validated terms only).
std::string read_atom(const char* buf, int* index) {
  char atom[MAXATOMLEN_UTF8] = {};
  if (ei_decode_atom(buf, index, atom) != 0) return {};
  return atom;
}

// nil atom -> nullopt; binary -> text; anything else -> error flag.
bool read_optional_binary(const char* buf, int* index, std::optional<std::string>& out) {
  int type = 0;
  int size = 0;
  if (ei_get_type(buf, index, &type, &size) != 0) return false;
  if (type == ERL_ATOM_EXT || type == ERL_SMALL_ATOM_EXT || type == ERL_ATOM_UTF8_EXT ||
      type == ERL_SMALL_ATOM_UTF8_EXT) {
    return read_atom(buf, index) == "nil";
  }
  if (type != ERL_BINARY_EXT || size < 0 || size > (1 << 20)) return false;
  std::string text(static_cast<std::size_t>(size), '\0');
  long length = 0;
  if (ei_decode_binary(buf, index, text.data(), &length) != 0) return false;
  out = std::move(text);
  return true;
}

std::vector<char> encode_usage(const NodeUsage& usage) {
  TermWriter w;
  w.tuple(3).atom("usage").ulonglong(usage.forwarded_tracks).ulonglong(usage.rooms);
  return w.bytes();
}

std::optional<NodeUsage> decode_usage(const std::string& node, const std::vector<char>& term) {
  if (!validate_term(term)) return std::nullopt;
  int index = 0;
  int version = 0;
  int arity = 0;
  NodeUsage usage{node};
  unsigned long long tracks = 0;
  unsigned long long rooms = 0;
  if (ei_decode_version(term.data(), &index, &version) != 0 ||
      ei_decode_tuple_header(term.data(), &index, &arity) != 0 || arity != 3 ||
      read_atom(term.data(), &index) != "usage" ||
      ei_decode_ulonglong(term.data(), &index, &tracks) != 0 ||
      ei_decode_ulonglong(term.data(), &index, &rooms) != 0) {
    return std::nullopt;
  }
  usage.forwarded_tracks = tracks;
  usage.rooms = rooms;
  return usage;
}

std::vector<char> encode_create_request(const room::RoomConfig& config) {
  TermWriter w;
  w.tuple(4).atom("shoal_create_room");
  if (config.max_peers) {
    w.ulonglong(static_cast<unsigned long long>(*config.max_peers));
  } else {
    w.atom("nil");
  }
  w.atom(config.video_codec == room::VideoCodec::Unrestricted ? "nil" : std::string(room::to_string(config.video_codec)));
  if (config.webhook_url) {
    w.binary(*config.webhook_url);
  } else {
    w.atom("nil");
  }
  return w.bytes();
}

std::vector<char> encode_create_reply(const std::variant<CreatedRoom, PlacementError>& result) {
  TermWriter w;
  if (auto* created = std::get_if<CreatedRoom>(&result)) {
    w.tuple(3).atom("ok").binary(created->room_json).binary(created->address);
  } else {
    const auto& error = std::get<PlacementError>(result);
    w.tuple(3).atom("error").ulonglong(static_cast<unsigned long long>(error.status)).binary(error.text);
  }
  return w.bytes();
}

std::optional<std::variant<CreatedRoom, PlacementError>> decode_create_reply(const std::vector<char>& term) {
  if (!validate_term(term)) return std::nullopt;
  const char* buf = term.data();
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 3) {
    return std::nullopt;
  }
  auto tag = read_atom(buf, &index);
  if (tag == "ok") {
    std::optional<std::string> room_json;
    std::optional<std::string> address;
    if (!read_optional_binary(buf, &index, room_json) || !read_optional_binary(buf, &index, address) ||
        !room_json || !address) {
      return std::nullopt;
    }
    return CreatedRoom{*room_json, *address};
  }
  if (tag == "error") {
    unsigned long long status = 0;
    std::optional<std::string> text;
    if (ei_decode_ulonglong(buf, &index, &status) != 0 || !read_optional_binary(buf, &index, text) || !text) {
      return std::nullopt;
    }
    return PlacementError{static_cast<int>(status), *text};
  }
  return std::nullopt;
}

}  // namespace

std::optional<NodeUsage> least_loaded(const std::vector<NodeUsage>& usages) {
  if (usages.empty()) return std::nullopt;
  return *std::min_element(usages.begin(), usages.end(), [](const NodeUsage& a, const NodeUsage& b) {
    return std::tie(a.forwarded_tracks, a.rooms, a.node) < std::tie(b.forwarded_tracks, b.rooms, b.node);
  });
}

namespace {

using notifications::ServerEventKind;

constexpr std::pair<ServerEventKind, const char*> kEventAtoms[] = {
    {ServerEventKind::RoomCreated, "room_created"},         {ServerEventKind::RoomDeleted, "room_deleted"},
    {ServerEventKind::RoomCrashed, "room_crashed"},         {ServerEventKind::PeerConnected, "peer_connected"},
    {ServerEventKind::PeerDisconnected, "peer_disconnected"}, {ServerEventKind::PeerCrashed, "peer_crashed"},
    {ServerEventKind::ComponentCrashed, "component_crashed"}, {ServerEventKind::HlsPlayable, "hls_playable"},
};

}  // namespace

Cluster::Cluster(config::DistConfig config, LocalNode local, std::chrono::milliseconds call_timeout)
    : node_(std::move(config)), local_(std::move(local)), call_timeout_(call_timeout) {
  node_.on_call([this](const std::string&, const char* term, std::size_t size) { return handle_call(term, size); });
  node_.on_message([this](const std::string&, const std::string& to_name, std::vector<char> term) {
    handle_message(to_name, term);
  });
}

void Cluster::relay_event(const notifications::ServerEvent& event) {
  const char* kind = nullptr;
  for (const auto& [k, atom] : kEventAtoms) {
    if (k == event.kind) kind = atom;
  }
  if (kind == nullptr || event.from_other_node) return;  // metrics reports stay node-local
  TermWriter w;
  w.tuple(4).atom("shoal_event").atom(kind).binary(event.room_id).binary(event.subject_id);
  const auto term = w.bytes();
  for (const auto& node : node_.connected_nodes()) {
    if (auto status = node_.send(node, "shoal_events", term); !status) {
      spdlog::warn("Could not relay a notification to {}: {}", node, status.error);
    }
  }
}

void Cluster::handle_message(const std::string& to_name, const std::vector<char>& term) {
  if (to_name != "shoal_events" || !local_.remote_event || !validate_term(term)) return;
  const char* buf = term.data();
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 4 || read_atom(buf, &index) != "shoal_event") {
    return;
  }
  auto kind_atom = read_atom(buf, &index);
  std::optional<std::string> room_id;
  std::optional<std::string> subject;
  if (!read_optional_binary(buf, &index, room_id) || !read_optional_binary(buf, &index, subject) || !room_id ||
      !subject) {
    return;
  }
  for (const auto& [kind, atom] : kEventAtoms) {
    if (kind_atom == atom) {
      notifications::ServerEvent event{kind, *room_id, *subject, {}, true};
      local_.remote_event(std::move(event));
      return;
    }
  }
}

Cluster::~Cluster() { stop(); }

DistStatus Cluster::start() { return node_.start(); }
void Cluster::stop() { node_.stop(); }

std::vector<char> Cluster::handle_call(const char* term, std::size_t size) {
  if (!validate_term(term, size)) return {};
  int index = 0;
  int version = 0;
  int arity = 0;
  if (ei_decode_version(term, &index, &version) != 0 || ei_decode_tuple_header(term, &index, &arity) != 0) {
    return {};
  }
  auto op = read_atom(term, &index);
  if (op == "shoal_usage" && arity == 1) return encode_usage(local_.usage());
  if (op != "shoal_create_room" || arity != 4) return {};

  room::RoomConfig config;
  int type = 0;
  int type_size = 0;
  ei_get_type(term, &index, &type, &type_size);
  if (type == ERL_SMALL_INTEGER_EXT || type == ERL_INTEGER_EXT || type == ERL_SMALL_BIG_EXT) {
    unsigned long long max_peers = 0;
    if (ei_decode_ulonglong(term, &index, &max_peers) != 0 || max_peers > INT64_MAX) return {};
    config.max_peers = static_cast<std::int64_t>(max_peers);
  } else if (read_atom(term, &index) != "nil") {
    return {};
  }
  auto codec = read_atom(term, &index);
  if (codec == "h264") {
    config.video_codec = room::VideoCodec::H264;
  } else if (codec == "vp8") {
    config.video_codec = room::VideoCodec::VP8;
  } else if (codec != "nil") {
    return {};
  }
  if (!read_optional_binary(term, &index, config.webhook_url)) return {};
  return encode_create_reply(local_.create_room(config));
}

std::vector<NodeUsage> Cluster::gather_usage() {
  TermWriter request;
  request.tuple(1).atom("shoal_usage");
  const auto request_bytes = request.bytes();
  std::vector<std::pair<std::string, std::future<std::optional<std::vector<char>>>>> pending;
  for (const auto& node : node_.connected_nodes()) {
    pending.emplace_back(node, std::async(std::launch::async, [this, node, &request_bytes] {
                           return node_.call(node, request_bytes, call_timeout_);
                         }));
  }
  std::vector<NodeUsage> usages{local_.usage()};
  usages.front().node = node_.node_name();
  for (auto& [node, future] : pending) {
    auto reply = future.get();
    auto usage = reply ? decode_usage(node, *reply) : std::nullopt;
    if (usage) {
      usages.push_back(*usage);
    } else {
      spdlog::warn("Couldn't get resource usage of node {}: no valid answer within {} ms", node,
                   call_timeout_.count());
    }
  }
  return usages;
}

std::variant<CreatedRoom, PlacementError> Cluster::place_room(const room::RoomConfig& config) {
  auto usages = gather_usage();
  auto create_here = [&]() -> std::variant<CreatedRoom, PlacementError> {
    auto result = local_.create_room(config);
    if (auto* created = std::get_if<CreatedRoom>(&result)) created->node = node_.node_name();
    return result;
  };
  if (usages.size() == 1) return create_here();
  // Best first; when the chosen node fails during the call, the next best takes the room.
  std::sort(usages.begin(), usages.end(), [](const NodeUsage& a, const NodeUsage& b) {
    return std::tie(a.forwarded_tracks, a.rooms, a.node) < std::tie(b.forwarded_tracks, b.rooms, b.node);
  });
  for (const auto& target : usages) {
    spdlog::info("Node with least used resources is :\"{}\"", target.node);
    if (target.node == node_.node_name()) return create_here();
    auto reply = node_.call(target.node, encode_create_request(config), call_timeout_);
    if (reply) {
      if (auto result = decode_create_reply(*reply)) {
        if (auto* created = std::get_if<CreatedRoom>(&*result)) created->node = target.node;
        return *result;
      }
    }
    spdlog::warn("Creating a room on node {} failed; trying the next best node", target.node);
  }
  return create_here();
}

}  // namespace shoal::cluster
