#include "cluster/cluster.hpp"

#include "notifications/http_url.hpp"

#include "cluster/room_owner.hpp"
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

std::optional<RestReply> decode_rest_reply(const std::vector<char>& term) {
  if (!validate_term(term)) return std::nullopt;
  const char* buf = term.data();
  int index = 0;
  int version = 0;
  int arity = 0;
  unsigned long long status = 0;
  std::optional<std::string> body;
  if (ei_decode_version(buf, &index, &version) != 0 || ei_decode_tuple_header(buf, &index, &arity) != 0 ||
      arity != 2 || ei_decode_ulonglong(buf, &index, &status) != 0 || status < 100 || status > 599 ||
      !read_optional_binary(buf, &index, body) || !body) {
    return std::nullopt;
  }
  return RestReply{static_cast<int>(status), std::move(*body)};
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

namespace {

// DNS strategy: the node name's host becomes an address (see node_name_with_address).
config::DistConfig with_dns_node_name(config::DistConfig config, std::string& error) {
  if (config.strategy != config::DistStrategy::Dns) return config;
  auto resolved = node_name_with_address(config.node_name);
  if (!resolved) {
    error = "Couldn't resolve the host part of JF_DIST_NODE_NAME " + config.node_name +
            " (the DNS strategy needs a node name with an IP address)";
    return config;
  }
  if (*resolved != config.node_name) spdlog::info("Resolved {} as {}", config.node_name, *resolved);
  config.node_name = *resolved;
  return config;
}

}  // namespace

std::optional<std::string> node_name_with_address(const std::string& node_name) {
  auto at = node_name.find('@');
  if (at == std::string::npos) return std::nullopt;
  auto host = node_name.substr(at + 1);
  auto addresses = resolve_host(host);
  if (addresses.empty()) return std::nullopt;
  if (std::find(addresses.begin(), addresses.end(), host) != addresses.end()) return node_name;
  // Prefer IPv4, as Erlang's :inet.gethostbyname does.
  auto v4 = std::find_if(addresses.begin(), addresses.end(),
                         [](const std::string& a) { return a.find(':') == std::string::npos; });
  return node_name.substr(0, at + 1) + (v4 != addresses.end() ? *v4 : addresses.front());
}

namespace {

// Four heartbeats per timeout: one or two lost to a busy moment never drop a live node.
DistOptions dist_options(const config::DistConfig& config) {
  DistOptions options;
  options.heartbeat_timeout = config.heartbeat_timeout;
  options.heartbeat_interval = config.heartbeat_timeout / 4;
  return options;
}

}  // namespace

Cluster::Cluster(config::DistConfig config, LocalNode local, std::chrono::milliseconds call_timeout,
                 std::chrono::milliseconds forward_timeout)
    : node_(with_dns_node_name(config, start_error_), dist_options(config)),
      local_(std::move(local)),
      call_timeout_(call_timeout),
      forward_timeout_(forward_timeout),
      strategy_(config.strategy),
      dns_query_(config.dns_query),
      polling_interval_(config.polling_interval) {
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

DistStatus Cluster::start() {
  if (!start_error_.empty()) return {start_error_};
  auto status = node_.start();
  if (status && strategy_ == config::DistStrategy::Dns) start_dns_discovery();
  return status;
}

void Cluster::stop() {
  if (dns_) dns_->stop();
  node_.stop();
}

void Cluster::start_dns_discovery() {
  const auto& self = node_.node_name();
  DnsPoller::Callbacks callbacks{
      [this](const std::string& node) {
        if (auto status = node_.connect(node); !status) spdlog::warn("cluster: not connecting to {}: {}", node, status.error);
      },
      [this](const std::string& node) { node_.forget(node); }};
  dns_ = std::make_unique<DnsPoller>(dns_query_, self.substr(0, self.find('@')), self, polling_interval_,
                                     std::move(callbacks));
  spdlog::info("cluster: discovering nodes by DNS query {} every {} ms", dns_query_, polling_interval_.count());
  dns_->start();
}

std::string Cluster::new_room_id() const { return make_room_id(node_.node_name()); }

RoomOwner Cluster::owner_of(const std::string& room_id) const {
  if (!room_id_tag(room_id)) return {};
  if (!owner_candidates(room_id, {node_.node_name()}).empty()) return {RoomOwner::Kind::ThisNode, {}};
  auto connected = node_.connected_nodes();
  if (auto owners = owner_candidates(room_id, connected); !owners.empty()) {
    return {RoomOwner::Kind::Connected, owners.front()};
  }
  if (auto owners = owner_candidates(room_id, node_.known_nodes()); !owners.empty()) {
    return {RoomOwner::Kind::Unreachable, owners.front()};
  }
  return {};
}

std::optional<RestReply> Cluster::forward(const std::string& node, const RestRequest& request) {
  std::string method = request.method;
  for (char& c : method) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  TermWriter w;
  w.tuple(4).atom("shoal_rest").atom(method).binary(request.path).binary(request.params);
  if (!w.ok()) return std::nullopt;
  auto reply = node_.call(node, w.bytes(), forward_timeout_);
  if (!reply) return std::nullopt;
  return decode_rest_reply(*reply);
}

std::vector<std::string> Cluster::remote_room_lists() {
  std::vector<std::pair<std::string, std::future<std::optional<RestReply>>>> pending;
  for (const auto& node : node_.connected_nodes()) {
    pending.emplace_back(node, std::async(std::launch::async, [this, node] {
                           TermWriter w;
                           w.tuple(4).atom("shoal_rest").atom("get").binary("/room").binary("{}");
                           auto reply = node_.call(node, w.bytes(), call_timeout_);
                           return reply ? decode_rest_reply(*reply) : std::nullopt;
                         }));
  }
  std::vector<std::string> lists;
  for (auto& [node, future] : pending) {
    auto reply = future.get();
    if (reply && reply->status == 200) {
      lists.push_back(std::move(reply->body));
    } else {
      spdlog::warn("Couldn't list the rooms of node {}: no valid answer within {} ms", node, call_timeout_.count());
    }
  }
  return lists;
}

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
  if (op == "shoal_rest" && arity == 4) return serve_rest(term, index);
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
  // Checked again here: the sender is another node, but this node is the one that will POST.
  if (config.webhook_url && !notifications::parse_http_url(*config.webhook_url)) {
    return encode_create_reply(PlacementError{400, "webhookUrl must be an http:// or https:// URL"});
  }
  return encode_create_reply(local_.create_room(config));
}

std::vector<char> Cluster::serve_rest(const char* term, int index) {
  auto method = read_atom(term, &index);
  std::optional<std::string> path;
  std::optional<std::string> params;
  if ((method != "get" && method != "post" && method != "delete") || !read_optional_binary(term, &index, path) ||
      !read_optional_binary(term, &index, params) || !path || !params || !local_.rest) {
    return {};
  }
  for (char& c : method) c = static_cast<char>(c - 'a' + 'A');
  auto reply = local_.rest(RestRequest{method, *path, *params});
  if (!reply) return {};
  TermWriter w;
  w.tuple(2).ulonglong(static_cast<unsigned long long>(reply->status)).binary(reply->body);
  return w.ok() ? w.bytes() : std::vector<char>{};
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
