#include "cluster/cluster.hpp"

#include "core/time.hpp"
#include "notifications/http_url.hpp"

#include "cluster/room_owner.hpp"
#include "cluster/term.hpp"
#include "core/uuid.hpp"
#include "log/log.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

namespace shoal::cluster {

namespace {

std::vector<char> encode_usage(const NodeUsage& usage) {
  TermWriter w;
  w.tuple(3).atom("usage").ulonglong(usage.forwarded_tracks).ulonglong(usage.rooms);
  return w.bytes();
}

std::vector<char> encode_create_request(const room::RoomConfig& config, const std::string& placement) {
  TermWriter w;
  w.tuple(5).atom("shoal_create_room");
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
  w.binary(placement);
  return w.bytes();
}

// {shoal_rest, Method, <<Path>>, <<ParamsJson>>}; empty (which no call sends) when unencodable.
std::vector<char> encode_rest_request(const RestRequest& request) {
  std::string method = request.method;
  for (char& c : method) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  TermWriter w;
  w.tuple(4).atom("shoal_rest").atom(method).binary(request.path).binary(request.params);
  return w.ok() ? w.bytes() : std::vector<char>{};
}

std::vector<char> encode_create_reply(const core::Result<CreatedRoom, PlacementError>& result) {
  TermWriter w;
  if (result) {
    w.tuple(3).atom("ok").binary(result->room_json).binary(result->address);
  } else {
    const PlacementError error = result.error();
    w.tuple(3).atom("error").ulonglong(static_cast<unsigned long long>(error.status)).binary(error.text);
  }
  return w.bytes();
}

}  // namespace

std::optional<NodeUsage> least_loaded(const std::vector<NodeUsage>& usages) {
  if (usages.empty()) return std::nullopt;
  return *std::min_element(usages.begin(), usages.end(), [](const NodeUsage& a, const NodeUsage& b) {
    return std::tie(a.forwarded_tracks, a.rooms, a.node) < std::tie(b.forwarded_tracks, b.rooms, b.node);
  });
}

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
                 std::chrono::milliseconds forward_timeout, LoadReporting load_reporting)
    : node_(with_dns_node_name(config, start_error_), dist_options(config)),
      local_(std::move(local)),
      call_timeout_(call_timeout),
      forward_timeout_(forward_timeout),
      strategy_(config.strategy),
      dns_query_(config.dns_query),
      polling_interval_(config.polling_interval),
      loads_(load_reporting.freshness),
      load_publisher_(
          LoadPublisher::Hooks{
              [this] {
                auto usage = local_.usage();
                usage.event_subscribers = event_subscribers_.load();
                return usage;
              },
              [this] { return node_.connected_nodes(); },
              [this](const std::string& node, const std::vector<char>& term) {
                (void)node_.send(node, "shoal_load", term);
              },
              [this](const std::vector<std::string>& nodes, const std::vector<char>& term) { deliver_load(nodes, term); }},
          load_reporting.interval, load_reporting.change_gap, load_reporting.change_check) {
  node_.on_call([this](const std::string& from_node, const char* term, std::size_t size) {
    return handle_call(from_node, term, size);
  });
  node_.on_message([this](const std::string& from_node, const std::string& to_name, std::vector<char> term) {
    handle_message(from_node, to_name, term);
  });
}

void Cluster::relay_event(const notifications::ServerEvent& event) {
  const auto kind = relayed_event_atom(event.kind);
  if (!kind || event.from_other_node) return;  // metrics reports stay node-local
  TermWriter w;
  w.tuple(4).atom("shoal_event").atom(*kind).binary(event.room_id).binary(event.subject_id);
  const auto term = w.bytes();
  const auto now = core::now();
  for (const auto& node : node_.connected_nodes()) {
    // Relaying to every node would cost each create a wake-up on every node of the cluster.
    if (!loads_.wants_events(node, now)) continue;
    if (auto status = node_.send(node, "shoal_events", term); !status) {
      spdlog::warn("Could not relay a notification to {}: {}", node, status.error());
    }
  }
}

void Cluster::add_event_subscriber() { ++event_subscribers_; }

void Cluster::announce_load() { load_publisher_.push_now(); }

void Cluster::remove_event_subscriber() { --event_subscribers_; }

void Cluster::handle_message(const std::string& from_node, const std::string& to_name,
                             const std::vector<char>& term) {
  if (to_name == "shoal_load") {
    if (auto usage = decode_load(from_node, term.data(), term.size())) loads_.update(*usage, core::now());
    return;
  }
  if (to_name == "shoal_placement") {
    const auto placement = decode_abandoned_create(term.data(), term.size());
    if (!placement) return;
    if (auto room_id = late_creates_.abandoned(*placement, core::now())) delete_late_room(*room_id);
    return;
  }
  if (to_name != "shoal_events" || !local_.remote_event) return;
  if (auto event = decode_relayed_event(term.data(), term.size())) local_.remote_event(std::move(*event));
}

void Cluster::delete_late_room(const std::string& room_id) {
  logging::warn(logging::room(room_id), "Deleting room \"{}\": it was created after its placement had given up waiting",
                room_id);
  if (local_.delete_room) local_.delete_room(room_id);
}

Cluster::~Cluster() { stop(); }

DistStatus Cluster::start() {
  if (!start_error_.empty()) return {start_error_};
  auto status = node_.start();
  if (!status) return status;
  if (strategy_ == config::DistStrategy::Dns) start_dns_discovery();
  load_publisher_.start();
  return status;
}

void Cluster::stop() {
  if (dns_) dns_->stop();
  load_publisher_.stop();
  node_.stop();
}

void Cluster::start_dns_discovery() {
  const auto& self = node_.node_name();
  DnsPoller::Callbacks callbacks{
      [this](const std::string& node) {
        if (auto status = node_.connect(node); !status) spdlog::warn("cluster: not connecting to {}: {}", node, status.error());
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
  auto reply = node_.call(node, encode_rest_request(request), forward_timeout_);
  if (!reply) return std::nullopt;
  return decode_rest_reply(reply->data(), reply->size());
}


std::optional<std::string> Cluster::address_of(const std::string& node) {
  TermWriter w;
  w.tuple(1).atom("shoal_address");
  auto reply = node_.call(node, w.bytes(), call_timeout_);
  if (!reply) return std::nullopt;
  return decode_address_reply(reply->data(), reply->size());
}

std::vector<LoadTable::Report> Cluster::load_reports() const {
  return loads_.reports(node_.known_nodes(), core::now());
}

Cluster::RoomLists Cluster::remote_room_lists() {
  // Known nodes are the shoal nodes this one keeps connected; a plain Erlang node connected for
  // a shell is neither asked nor reported.
  const auto connected = node_.connected_nodes();
  RoomLists result;
  std::vector<std::string> asked;
  for (const auto& node : node_.known_nodes()) {
    auto& list = std::binary_search(connected.begin(), connected.end(), node) ? asked : result.unanswered;
    list.push_back(node);
  }
  const auto replies = call_each(asked, encode_rest_request(RestRequest{"GET", "/room", "{}"}), call_timeout_);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const auto& node = asked[i];
    auto reply = replies[i] ? decode_rest_reply(replies[i]->data(), replies[i]->size()) : std::nullopt;
    if (reply && reply->status == 200) {
      result.lists.push_back(std::move(reply->body));
      result.list_nodes.push_back(node);
    } else {
      spdlog::warn("Couldn't list the rooms of node {}: no valid answer within {} ms", node, call_timeout_.count());
      result.unanswered.push_back(node);
    }
  }
  std::sort(result.unanswered.begin(), result.unanswered.end());
  return result;
}

std::vector<char> Cluster::handle_call(const std::string& from_node, const char* term, std::size_t size) {
  auto call = decode_cluster_call(term, size);
  if (std::holds_alternative<UsageQuery>(call)) return encode_usage(local_.usage());
  if (auto* report = std::get_if<LoadReport>(&call)) {
    report->usage.node = from_node;
    loads_.update(report->usage, core::now());
    TermWriter w;
    w.atom("ok");
    return w.bytes();
  }
  if (std::holds_alternative<AddressQuery>(call)) {
    TermWriter w;
    w.tuple(2).atom("address").binary(local_.address);
    return w.bytes();
  }
  if (const auto* rest = std::get_if<RestRequest>(&call)) return serve_rest(*rest);
  const auto* create = std::get_if<CreateRoomCall>(&call);
  if (create == nullptr) return {};
  // Checked again here: the sender is another node, but this node is the one that will POST.
  if (create->config.webhook_url && !notifications::parse_http_url(*create->config.webhook_url)) {
    return encode_create_reply(PlacementError{400, "webhookUrl must be an http:// or https:// URL"});
  }
  if (!late_creates_.may_create(create->placement, core::now())) {
    return encode_create_reply(PlacementError{503, "The placement was abandoned"});
  }
  auto result = local_.create_room(create->config);
  if (result && late_creates_.created(create->placement, result->room_id, core::now())) {
    delete_late_room(result->room_id);
  }
  return encode_create_reply(result);
}

std::vector<char> Cluster::serve_rest(const RestRequest& request) {
  if (!local_.rest) return {};
  auto reply = local_.rest(request);
  if (!reply) return {};
  TermWriter w;
  w.tuple(2).ulonglong(static_cast<unsigned long long>(reply->status)).binary(reply->body);
  return w.ok() ? w.bytes() : std::vector<char>{};
}

std::vector<NodeUsage> Cluster::ask_usage(const std::vector<std::string>& nodes) {
  TermWriter request;
  request.tuple(1).atom("shoal_usage");
  const auto replies = call_each(nodes, request.bytes(), call_timeout_);
  std::vector<NodeUsage> usages;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    const auto& reply = replies[i];
    auto usage = reply ? decode_usage_reply(node, reply->data(), reply->size()) : std::nullopt;
    if (usage) {
      usages.push_back(*usage);
    } else {
      loads_.failed(node, core::now());
      spdlog::warn("Couldn't get resource usage of node {}: no valid answer within {} ms", node,
                   call_timeout_.count());
    }
  }
  return usages;
}

void Cluster::deliver_load(const std::vector<std::string>& nodes, const std::vector<char>& term) {
  (void)call_each(nodes, term, call_timeout_);
}

std::vector<std::optional<std::vector<char>>> Cluster::call_each(const std::vector<std::string>& nodes,
                                                                 const std::vector<char>& term,
                                                                 std::chrono::milliseconds timeout) {
  std::vector<std::future<std::optional<std::vector<char>>>> pending;
  for (const auto& node : nodes) {
    pending.push_back(std::async(std::launch::async, [this, &node, &term, timeout] { return node_.call(node, term, timeout); }));
  }
  std::vector<std::optional<std::vector<char>>> replies;
  for (auto& reply : pending) replies.push_back(reply.get());
  return replies;
}

std::vector<NodeUsage> Cluster::gather_usage() {
  auto view = loads_.view(node_.connected_nodes(), core::now());
  std::vector<NodeUsage> usages{local_.usage()};
  usages.front().node = node_.node_name();
  usages.insert(usages.end(), view.fresh.begin(), view.fresh.end());
  if (!view.stale.empty()) {
    auto asked = ask_usage(view.stale);
    usages.insert(usages.end(), asked.begin(), asked.end());
  }
  return usages;
}

core::Result<CreatedRoom, PlacementError> Cluster::create_here(const room::RoomConfig& config) {
  auto result = local_.create_room(config);
  if (result) result->node = node_.node_name();
  return result;
}

core::Result<CreatedRoom, PlacementError> Cluster::place_room(const room::RoomConfig& config) {
  auto usages = gather_usage();
  // A draining node takes no new rooms; when every node drains, this one still answers (its own
  // REST layer refuses creates while it drains).
  std::erase_if(usages, [](const NodeUsage& usage) { return usage.draining; });
  if (usages.empty()) return create_here(config);
  // Best first; when the chosen node fails during the call, the next best takes the room.
  std::sort(usages.begin(), usages.end(), [](const NodeUsage& a, const NodeUsage& b) {
    return std::tie(a.forwarded_tracks, a.rooms, a.node) < std::tie(b.forwarded_tracks, b.rooms, b.node);
  });
  for (const auto& target : usages) {
    spdlog::info("Node with least used resources is :\"{}\"", target.node);
    if (target.node == node_.node_name()) return create_here(config);
    const auto placement = core::make_uuid_v4();
    auto reply = node_.call(target.node, encode_create_request(config, placement), call_timeout_);
    if (reply) {
      if (auto decoded = decode_create_reply(reply->data(), reply->size())) {
        auto& result = *decoded;
        if (result) {
          result->node = target.node;
          loads_.placed(target.node, target.rooms + 1, core::now());
          return result;
        }
        // 503: it started draining before its report reached this node; the next one takes it.
        if (result.error().status != 503) return result;
        loads_.failed(target.node, core::now());
        spdlog::info("Node {} is draining; trying the next best node", target.node);
        continue;
      }
    }
    // The node may still create the room after this: tell it, so the room does not stay there
    // with an id nobody knows.
    TermWriter abandon;
    abandon.tuple(2).atom("shoal_abandon_create").binary(placement);
    if (abandon.ok()) (void)node_.send(target.node, "shoal_placement", abandon.bytes());
    loads_.failed(target.node, core::now());
    spdlog::warn("Creating a room on node {} failed; trying the next best node", target.node);
  }
  return create_here(config);
}

}  // namespace shoal::cluster
