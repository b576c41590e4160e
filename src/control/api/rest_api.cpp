#include "api/rest_api.hpp"

#include "api/cluster_view.hpp"
#include "api/dashboard_files.hpp"
#include "api/hls_files.hpp"
#include "api/request_params.hpp"
#include "api/room_params.hpp"
#include "auth/secret_compare.hpp"
#include "core/json_limits.hpp"
#include "core/result.hpp"
#include "core/run_on.hpp"
#include "core/time.hpp"
#include "log/log.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <vector>

namespace shoal::api {

namespace asio = boost::asio;
using nlohmann::json;
using room::RoomError;

namespace {

std::vector<std::string> path_segments(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto segment = path.substr(0, slash);
    if (!segment.empty()) segments.push_back(percent_decode(segment, false));
    if (slash == std::string_view::npos) break;
    path = path.substr(slash + 1);
  }
  return segments;
}

Response preflight() {
  Response response = empty_response(http::status::no_content);
  response.set(http::field::access_control_max_age, "1728000");
  response.set(http::field::access_control_allow_headers,
               "Authorization,Content-Type,Accept,Origin,User-Agent,DNT,Cache-Control,X-Mx-ReqToken,"
               "Keep-Alive,X-Requested-With,If-Modified-Since,X-CSRF-Token");
  response.set(http::field::access_control_allow_methods, "GET,POST,PUT,PATCH,DELETE,OPTIONS");
  return response;
}

// Phoenix's `accepts ["json"]`: a missing Accept header, */*, application/* or JSON pass.
bool accepts_json(const Request& request) {
  auto it = request.find(http::field::accept);
  if (it == request.end()) return true;
  std::string_view accept = it->value();
  if (accept.empty()) return true;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = accept.substr(0, comma);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*/*" || item == "application/*" || item == "application/json") return true;
    if (comma == std::string_view::npos) break;
    accept = accept.substr(comma + 1);
  }
  return false;
}

std::optional<Response> check_bearer(const server::Node& node, const Request& request) {
  auto range = request.equal_range(http::field::authorization);
  std::vector<std::string_view> values;
  for (auto it = range.first; it != range.second; ++it) values.push_back(it->value());
  constexpr std::string_view kPrefix = "Bearer ";
  if (values.size() != 1 || values[0].substr(0, kPrefix.size()) != kPrefix) {
    return app_error(http::status::unauthorized, "Missing token");
  }
  if (!auth::secrets_equal(values[0].substr(kPrefix.size()), node.config.server_api_token)) {
    return app_error(http::status::unauthorized, "Invalid token");
  }
  return std::nullopt;
}

Response room_error(RoomError error, std::string_view room_id, std::string_view subject_id = {}) {
  const std::string room(room_id);
  const std::string subject(subject_id);
  switch (error) {
    case RoomError::RoomNotFound:
      return app_error(http::status::not_found, "Room " + room + " does not exist");
    case RoomError::PeerNotFound:
      return app_error(http::status::not_found, "Peer " + subject + " does not exist");
    case RoomError::ComponentNotFound:
      return app_error(http::status::not_found, "Component " + subject + " does not exist");
    case RoomError::PeerLimitReached:
      return app_error(http::status::service_unavailable, "Reached peer limit in room " + room);
    case RoomError::WebrtcDisabled:
      return app_error(http::status::bad_request,
                       "WebRTC peers are disabled on this node (JF_WEBRTC_USED is false)");
    case RoomError::IncompatibleCodec:
      return app_error(http::status::bad_request, "Incompatible video codec enforced in room " + room);
    case RoomError::ComponentsLimit:
      return app_error(http::status::bad_request, "Reached components limit in room " + room);
    case RoomError::TlsSourceUnsupported:
      return app_error(http::status::bad_request,
                       "Invalid sourceUri: rtsps:// (RTSP over TLS) is not supported, use rtsp://");
    case RoomError::InvalidOptions:
    case RoomError::PeerAlreadyConnected:
      break;
  }
  return app_error(http::status::bad_request, "Invalid request body structure");
}

std::string local_room_list(server::Node& node) {
  std::string body = "{\"data\":[";
  bool first = true;
  for (const auto& room : node.rooms.all()) {
    if (!first) body += ',';
    first = false;
    body += *room->snapshot();
  }
  body += "]}";
  return body;
}

// The items of a {"data":[...]} list another node sent, as text ("" when empty or malformed).
std::string list_items(const std::string& list_body) {
  auto parsed = json::parse(list_body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("data") || !parsed["data"].is_array()) {
    return {};
  }
  auto open = list_body.find('[');
  auto close = list_body.rfind(']');
  if (open == std::string::npos || close == std::string::npos || close <= open) return {};
  return list_body.substr(open + 1, close - open - 1);
}

// GET /room lists this node's rooms as in v0.2.1; ?scope=cluster adds every connected node's and
// names the known nodes that could not be asked or did not answer.
asio::awaitable<Response> list_rooms(server::Node& node, const json& params) {
  auto scope = params.find("scope");
  const bool cluster_scope = scope != params.end() && *scope == "cluster";
  if (scope != params.end() && !cluster_scope && *scope != "local") {
    co_return app_error(http::status::bad_request, "scope must be \"local\" or \"cluster\"");
  }
  auto body = local_room_list(node);
  if (!cluster_scope || !node.cluster) co_return json_response(http::status::ok, std::move(body));
  auto gather = [&cluster = *node.cluster] { return cluster.remote_room_lists(); };
  auto remote = co_await core::run_on(node.blocking, std::move(gather));
  body.resize(body.size() - 2);  // drop "]}"
  bool empty = body.back() == '[';
  for (const auto& list : remote.lists) {
    auto items = list_items(list);
    if (items.empty()) continue;
    if (!empty) body += ',';
    empty = false;
    body += items;
  }
  // Which nodes' rooms are missing, so a short list is never mistaken for the whole cluster.
  body += "],\"unreachable_nodes\":" + json(remote.unanswered).dump() + "}";
  co_return json_response(http::status::ok, std::move(body));
}

Response draining_refusal(std::string_view what) {
  return app_error(http::status::service_unavailable,
                   "This node is draining and takes no new " + std::string(what));
}

Response show_room(server::Node& node, const std::string& room_id) {
  auto room = node.rooms.find(room_id);
  if (!room) return room_error(RoomError::RoomNotFound, room_id);
  return json_response(http::status::ok, "{\"data\":" + *room->snapshot() + "}");
}

asio::awaitable<Response> create_room(server::Node& node, const json& params) {
  auto parsed = parse_room_config(params);
  if (!parsed) co_return app_error(http::status::bad_request, parsed.error().text);
  const auto config = *parsed;
  core::Result<cluster::CreatedRoom, cluster::PlacementError> result;
  if (!node.cluster && node.draining) co_return draining_refusal("rooms");
  if (node.cluster) {
    auto place = [&node, config] { return node.cluster->place_room(config); };
    result = co_await core::run_on(node.blocking, std::move(place));
  } else {
    result = server::create_local_room(node, config);
  }
  if (!result) {
    const cluster::PlacementError error = result.error();
    co_return app_error(static_cast<http::status>(error.status), error.text);
  }
  const auto& created = *result;
  if (!created.node.empty()) node.metrics.count_placement(created.node);
  co_return json_response(http::status::created, "{\"data\":{\"room\":" + created.room_json +
                                                     ",\"jellyfish_address\":" + json(created.address).dump() + "}}");
}

asio::awaitable<Response> delete_room(server::Node& node, const std::string& room_id) {
  auto room = node.rooms.remove(room_id);
  if (!room) co_return room_error(RoomError::RoomNotFound, room_id);
  auto close = [room] { room->close(); };
  co_await core::run_on(room->loop(), std::move(close));
  node.bus.publish({notifications::ServerEventKind::RoomDeleted, room_id, {}});
  co_return empty_response(http::status::no_content);
}

asio::awaitable<Response> add_peer(server::Node& node, const std::string& room_id, const json& params) {
  auto type = params.find("type");
  if (type == params.end()) co_return app_error(http::status::bad_request, "Invalid request body structure");
  if (*type != "webrtc") co_return app_error(http::status::bad_request, "Invalid peer type");
  auto room = node.rooms.find(room_id);
  if (!room) co_return room_error(RoomError::RoomNotFound, room_id);
  if (node.draining) co_return draining_refusal("peers");

  auto options = parse_peer_options(params);
  auto work = [room, options] { return room->add_peer(options); };
  auto result = co_await core::run_on(room->loop(), std::move(work));
  if (!result) co_return room_error(result.error(), room_id);
  auto& peer = *result;
  auto token = node.tokens.sign({room_id, peer.id}, std::chrono::system_clock::now());
  // In cluster mode the request may have come through another node: say where the peer
  // connects (the field later Jellyfish versions added). Single-node answers stay v0.2.1's.
  std::string websocket;
  if (node.cluster) {
    websocket = ",\"peer_websocket_url\":" + json(node.config.address + "/socket/peer/websocket").dump();
  }
  co_return json_response(http::status::created, "{\"data\":{\"peer\":" + peer.json + ",\"token\":" +
                                                     json(token).dump() + websocket + "}}");
}

asio::awaitable<Response> delete_peer(server::Node& node, const std::string& room_id,
                                      const std::string& peer_id) {
  auto room = node.rooms.find(room_id);
  if (!room) co_return room_error(RoomError::RoomNotFound, room_id);
  auto work = [room, peer_id] { return room->remove_peer(peer_id); };
  auto removed = co_await core::run_on(room->loop(), std::move(work));
  if (!removed) co_return room_error(removed.error(), room_id, peer_id);
  co_return empty_response(http::status::no_content);
}

asio::awaitable<Response> add_component(server::Node& node, const std::string& room_id,
                                        const json& params) {
  auto type = params.find("type");
  if (type == params.end()) co_return app_error(http::status::bad_request, "Invalid request body structure");
  room::ComponentType component_type;
  if (*type == "hls") {
    component_type = room::ComponentType::Hls;
  } else if (*type == "rtsp") {
    component_type = room::ComponentType::Rtsp;
  } else {
    co_return app_error(http::status::bad_request, "Invalid component type");
  }
  auto room = node.rooms.find(room_id);
  if (!room) co_return room_error(RoomError::RoomNotFound, room_id);
  auto options = parse_component_options(component_type, params);
  auto work = [room, component_type, options] { return room->add_component(component_type, options); };
  auto result = co_await core::run_on(room->loop(), std::move(work));
  if (!result) co_return room_error(result.error(), room_id);
  co_return json_response(http::status::created, "{\"data\":" + result->json + "}");
}

asio::awaitable<Response> delete_component(server::Node& node, const std::string& room_id,
                                           const std::string& component_id) {
  auto room = node.rooms.find(room_id);
  if (!room) co_return room_error(RoomError::RoomNotFound, room_id);
  auto work = [room, component_id] { return room->remove_component(component_id); };
  auto removed = co_await core::run_on(room->loop(), std::move(work));
  if (!removed) co_return room_error(removed.error(), room_id, component_id);
  co_return empty_response(http::status::no_content);
}

Response health(server::Node& node) {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(core::now() -
                                                                 node.started);
  json body = {{"data",
                {{"status", "UP"},
                 {"uptime", uptime.count()},
                 {"distribution",
                  {{"enabled", node.config.dist.enabled},
                   {"nodeStatus", !node.config.dist.enabled || (node.cluster && node.cluster->running()) ? "UP" : "DOWN"},
                   {"nodesInCluster", node.cluster ? node.cluster->connected_nodes().size() + 1 : 1}}},
                 {"draining", node.draining.load()}}}};
  if (node.cluster) {
    body["data"]["distribution"]["nodeName"] = node.cluster->node_name();
    body["data"]["distribution"]["connectedNodes"] = node.cluster->connected_nodes();
  }
  return json_response(http::status::ok, body.dump());
}

Response not_found() { return framework_error(http::status::not_found); }

// POST /drain {"timeout": seconds}: drain as on SIGTERM (JF_DRAIN_TIMEOUT when no timeout is
// given); again while draining, it can only bring the deadline forward.
Response start_drain(server::Node& node, const json& params) {
  auto timeout = node.config.drain_timeout;
  if (auto given = params.find("timeout"); given != params.end()) {
    if (!given->is_number_integer() || given->get<std::int64_t>() < 0 || given->get<std::int64_t>() > 86400) {
      return app_error(http::status::bad_request, "timeout must be whole seconds from 0 to 86400");
    }
    timeout = std::chrono::seconds(given->get<std::int64_t>());
  }
  if (!node.drain) return app_error(http::status::service_unavailable, "This node cannot drain");
  node.drain(timeout);
  json body = {{"data", {{"draining", true}, {"rooms", node.rooms.size()}, {"timeout", timeout.count()}}}};
  return json_response(http::status::accepted, body.dump());
}

bool is_read(http::verb verb) { return verb == http::verb::get || verb == http::verb::head; }

enum class Route { None, List, Create, Show, Delete, AddPeer, DeletePeer, AddComponent, DeleteComponent };

// segments[0] is "room".
Route match_room_route(http::verb method, const std::vector<std::string>& segments) {
  const std::size_t n = segments.size();
  if (n == 1) return is_read(method) ? Route::List : method == http::verb::post ? Route::Create : Route::None;
  if (n == 2) return is_read(method) ? Route::Show : method == http::verb::delete_ ? Route::Delete : Route::None;
  if (n == 3 && method == http::verb::post) {
    return segments[2] == "peer" ? Route::AddPeer : segments[2] == "component" ? Route::AddComponent : Route::None;
  }
  if (n == 4 && method == http::verb::delete_) {
    return segments[2] == "peer"        ? Route::DeletePeer
           : segments[2] == "component" ? Route::DeleteComponent
                                        : Route::None;
  }
  return Route::None;
}

// Runs an authenticated room route on this node.
asio::awaitable<Response> run_room_route(server::Node& node, Route route, const std::vector<std::string>& segments,
                                         const json& params) {
  switch (route) {
    case Route::List:
      co_return co_await list_rooms(node, params);
    case Route::Create:
      co_return co_await create_room(node, params);
    case Route::Show:
      co_return show_room(node, segments[1]);
    case Route::Delete:
      co_return co_await delete_room(node, segments[1]);
    case Route::AddPeer:
      co_return co_await add_peer(node, segments[1], params);
    case Route::DeletePeer:
      co_return co_await delete_peer(node, segments[1], segments[3]);
    case Route::AddComponent:
      co_return co_await add_component(node, segments[1], params);
    case Route::DeleteComponent:
      co_return co_await delete_component(node, segments[1], segments[3]);
    case Route::None:
      break;
  }
  co_return not_found();
}

Response owner_unreachable(const std::string& room_id, const std::string& owner) {
  return app_error(http::status::service_unavailable,
                   "Room " + room_id + " is on node " + owner + ", which is unreachable");
}

// A route naming a room this node does not hold goes to the room's owner over distribution.
asio::awaitable<Response> route_room_request(server::Node& node, Route route, const std::vector<std::string>& segments,
                                             const json& params, http::verb method, std::string_view target) {
  const bool names_room = route != Route::List && route != Route::Create && route != Route::None;
  if (!names_room || !node.cluster || node.rooms.find(segments[1])) {
    co_return co_await run_room_route(node, route, segments, params);
  }
  const auto owner = node.cluster->owner_of(segments[1]);
  using Kind = cluster::RoomOwner::Kind;
  if (owner.kind == Kind::Unreachable) co_return owner_unreachable(segments[1], owner.node);
  if (owner.kind != Kind::Connected) co_return co_await run_room_route(node, route, segments, params);

  cluster::RestRequest request{is_read(method) ? "GET" : std::string(http::to_string(method)),
                               std::string(target.substr(0, target.find('?'))), params.dump()};
  auto work = [&cluster = *node.cluster, owner_node = owner.node, request] { return cluster.forward(owner_node, request); };
  auto reply = co_await core::run_on(node.blocking, std::move(work));
  if (!reply) co_return owner_unreachable(segments[1], owner.node);
  if (reply->body.empty()) co_return empty_response(static_cast<http::status>(reply->status));
  co_return json_response(static_cast<http::status>(reply->status), std::move(reply->body));
}

// HLS files are on the disk of the node that holds the room, and a segment may be larger than
// a distribution message may be, so the client is sent there (307, the same method and query),
// rather than the file fetched for it. The Location is scheme-relative: the client keeps the
// scheme it used, whatever proxy terminates TLS in front of the nodes.
asio::awaitable<std::optional<Response>> redirect_to_room_owner(server::Node& node, const std::string& room_id,
                                                                std::string_view target) {
  if (!node.cluster || node.rooms.find(room_id)) co_return std::nullopt;
  const auto owner = node.cluster->owner_of(room_id);
  using Kind = cluster::RoomOwner::Kind;
  if (owner.kind == Kind::Unreachable) co_return owner_unreachable(room_id, owner.node);
  if (owner.kind != Kind::Connected) co_return std::nullopt;
  auto work = [&cluster = *node.cluster, owner_node = owner.node] { return cluster.address_of(owner_node); };
  const auto address = co_await core::run_on(node.blocking, std::move(work));
  if (!address) co_return owner_unreachable(room_id, owner.node);
  auto response = empty_response(http::status::temporary_redirect);
  response.set(http::field::location, "//" + *address + std::string(target));
  co_return response;
}

}  // namespace

asio::awaitable<Reply> handle_rest_request(server::Node& node, Request& request) {
  const auto method = request.method();
  if (method == http::verb::options) co_return preflight();
  const auto segments = path_segments(request.target());
  const std::size_t n = segments.size();

  if (n >= 1 && segments[0] == "room") {
    // Route first (unknown routes are 404 before any check), then accepts, then auth.
    const Route route = match_room_route(method, segments);
    if (route == Route::None) co_return not_found();
    if (!accepts_json(request)) co_return framework_error(http::status::not_acceptable);
    if (auto denied = check_bearer(node, request)) co_return std::move(*denied);

    auto params = parse_params(request);
    if (!params) co_return framework_error(http::status::bad_request);
    co_return co_await route_room_request(node, route, segments, *params, method, request.target());
  }

  if (n == 3 && segments[0] == "hls" && is_read(method)) {
    if (auto elsewhere = co_await redirect_to_room_owner(node, segments[1], request.target())) {
      co_return std::move(*elsewhere);
    }
    co_return co_await serve_hls_file(node.config.output_base_path, node.hls_live, segments[1], segments[2],
                                      std::string(request.target()));
  }
  if (n == 1 && segments[0] == "health" && is_read(method)) {
    if (auto denied = check_bearer(node, request)) co_return std::move(*denied);
    co_return health(node);
  }
  if (n == 1 && segments[0] == "cluster" && is_read(method)) {
    if (auto denied = check_bearer(node, request)) co_return std::move(*denied);
    co_return co_await show_cluster(node);
  }
  if (n == 1 && segments[0] == "drain" && method == http::verb::post) {
    if (!accepts_json(request)) co_return framework_error(http::status::not_acceptable);
    if (auto denied = check_bearer(node, request)) co_return std::move(*denied);
    auto params = parse_params(request);
    if (!params) co_return framework_error(http::status::bad_request);
    co_return start_drain(node, *params);
  }
  if (node.config.dashboard && n >= 1 && segments[0] == "dashboard" && is_read(method)) {
    co_return serve_dashboard_file(request.target());
  }
  if (n == 1 && segments[0] == "openapi.json" && is_read(method)) {
    co_return json_response(http::status::ok, std::string(openapi_document()));
  }
  co_return not_found();
}

std::optional<cluster::RestReply> serve_forwarded_request(server::Node& node, const cluster::RestRequest& forwarded) {
  const auto method = http::string_to_verb(forwarded.method);
  const auto segments = path_segments(forwarded.path);
  const auto room_fields = logging::room(segments.size() > 1 ? std::string_view(segments[1]) : std::string_view());
  const Route route = segments.empty() || segments[0] != "room" ? Route::None : match_room_route(method, segments);
  auto params = core::parse_untrusted_json(forwarded.params);
  if (route == Route::None || route == Route::Create || !params || !params->is_object()) {
    return cluster::RestReply{400, app_error(http::status::bad_request, "Invalid forwarded request").body()};
  }
  if (route == Route::List) *params = json::object();  // another node's GET /room?scope=cluster
  // Runs here as if received here (the sender authenticated it), never forwarded again.
  auto run = [&node, route, segments, params = std::move(*params)]() -> asio::awaitable<Response> {
    co_return co_await run_room_route(node, route, segments, params);
  };
  auto pending = asio::co_spawn(node.loops.next_loop(), std::move(run), asio::use_future);
  const auto limit = node.cluster ? node.cluster->forward_timeout() : std::chrono::milliseconds(5000);
  if (pending.wait_for(limit) != std::future_status::ready) {
    logging::warn(room_fields, "A forwarded {} {} did not finish within {} ms", forwarded.method, forwarded.path,
                  limit.count());
    return std::nullopt;
  }
  try {
    auto response = pending.get();
    return cluster::RestReply{static_cast<int>(response.result_int()), std::move(response.body())};
  } catch (const std::exception& e) {
    logging::error(room_fields, "A forwarded {} {} failed: {}", forwarded.method, forwarded.path, e.what());
    return cluster::RestReply{500, framework_error(http::status::internal_server_error).body()};
  }
}

}  // namespace shoal::api
