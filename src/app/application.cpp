#include "application.hpp"

#include "api/origin_check.hpp"
#include "api/rest_api.hpp"
#include "dashboard/dashboard_assets.hpp"
#include "notifications/metrics_report.hpp"
#include "notifications/server_socket.hpp"
#include "signaling/peer_socket.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace shoal::app {

namespace {

namespace asio = boost::asio;
using api::Request;
using api::Response;
namespace http = api::http;

// After SIGTERM, sockets get this long to answer their close frames.
constexpr std::chrono::seconds kSocketDrain{3};
// Rooms closed at the end of a drain: their RoomDeleted webhooks get this long to be delivered.
constexpr std::chrono::seconds kNotificationDrain{2};

std::string_view path_of(const Request& request) {
  std::string_view target = request.target();
  return target.substr(0, target.find('?'));
}

// A server socket's interest in notifications, told to the cluster off the event loops (it
// sends to every node).
notifications::NotificationInterest notification_interest(server::Node& node) {
  return {[&node](std::function<void()> then) {
            if (!node.cluster) return then();
            node.cluster->add_event_subscriber();
            asio::post(node.blocking, [&node, then = std::move(then)] {
              node.cluster->announce_load();
              then();
            });
          },
          [&node] {
            if (node.cluster) node.cluster->remove_event_subscriber();
          }};
}

asio::awaitable<std::optional<Response>> upgrade(server::Node& node, boost::beast::tcp_stream& stream,
                                                 Request& request) {
  auto path = path_of(request);
  const bool peer_socket = path == "/socket/peer/websocket";
  if (!peer_socket && path != "/socket/server/websocket") {
    co_return api::framework_error(http::status::not_found);
  }
  if (!api::origin_allowed(node.config.check_origin, node.config.url_host, request[http::field::origin],
                           request[http::field::host])) {
    spdlog::error("Could not check origin for Phoenix.Socket transport. Origin of the request: {}",
                  std::string(request[http::field::origin]));
    co_return api::empty_response(http::status::forbidden);
  }
  if (peer_socket) {
    co_await signaling::run_peer_socket({node.tokens, node.rooms, node.bus, node.sockets}, std::move(stream),
                                        std::move(request));
  } else {
    co_await notifications::run_server_socket({node.config.server_api_token, node.bus, node.sockets,
                                               notification_interest(node)},
                                              std::move(stream), std::move(request));
  }
  co_return std::nullopt;
}

asio::awaitable<api::Reply> serve_metrics(server::Node& node, Request& request) {
  if (path_of(request) == "/metrics" &&
      (request.method() == http::verb::get || request.method() == http::verb::head)) {
    Response response{http::status::ok, 11};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = node.metrics.render();
    co_return response;
  }
  Response response{http::status::not_found, 11};
  response.body() = "Not Found";
  co_return response;
}

api::HttpLimits api_limits(const config::Config& config) {
  api::HttpLimits limits;
  limits.max_connections = config.max_connections;
  limits.max_connections_per_address = config.max_connections_per_ip;
  return limits;
}

}  // namespace

Application::Application(const config::Config& config)
    : config_(config),
      loops_(std::max(1u, std::thread::hardware_concurrency())),
      node_(config, loops_),
      api_(loops_, {config.ip, config.port},
           {[this](Request& request) { return api::handle_rest_request(node_, request); },
            [this](boost::beast::tcp_stream& stream, Request& request) { return upgrade(node_, stream, request); },
            [this] { node_.metrics.refusals().add(metrics::Refusal::HttpConnection); }},
           api_limits(config)),
      metrics_http_(loops_, {config.metrics_ip, config.metrics_port},
                    {[this](Request& request) { return serve_metrics(node_, request); }, nullptr}),
      signals_(loops_.loop(0), SIGTERM, SIGINT),
      drain_(loops_.loop(0)),
      room_drain_(loops_.loop(0)) {
  node_.drain = [this](std::chrono::seconds timeout) { drain(timeout); };
}

Application::~Application() { shut_down_threads(); }

core::Result<void, std::string> Application::start() {
  if (config_.dashboard && dashboard::assets().empty()) {
    return "shoal: JF_DASHBOARD_ENABLED is true, but this build has no dashboard (configured with -DSHOAL_DASHBOARD=OFF)";
  }
  if (config_.dist.enabled) {
    if (auto started = start_cluster(); !started) return started;
  }
  if (auto bound = api_.start(); !bound) return "shoal: " + bound.error() + " (JF_IP/JF_PORT)";
  if (auto bound = metrics_http_.start(); !bound) {
    return "shoal: " + bound.error() + " (JF_METRICS_IP/JF_METRICS_PORT)";
  }
  spdlog::info("Starting prometheus metrics endpoint at: http://{}:{}", config_.metrics_ip.to_string(),
               metrics_http_.local_endpoint().port());
  spdlog::info("Running shoal at {}:{} (http)", config_.ip.to_string(), api_.local_endpoint().port());
  node_.metrics.start(loops_.loop(0));
  notifications::start_metrics_reports(loops_.loop(0), node_.rooms, node_.bus);
  wait_for_signal();
  return {};
}

void Application::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (rooms_until_) {
      spdlog::info("Received signal {} again, shutting down now", signal);
      stop();
      return;
    }
    spdlog::info("Received signal {}, shutting down", signal);
    begin_drain(config_.drain_timeout);
    wait_for_signal();
  });
}

void Application::drain(std::chrono::seconds timeout) {
  asio::post(loops_.loop(0), [this, timeout] { begin_drain(timeout); });
}

void Application::begin_drain(std::chrono::seconds timeout) {
  if (stopping_) return;
  const auto until = core::now() + timeout;
  if (rooms_until_) {
    rooms_until_ = std::min(*rooms_until_, until);
    return;
  }
  rooms_until_ = until;
  node_.draining = true;
  node_.metrics.set_draining(true);
  spdlog::info("Draining: no new rooms or peers; {} rooms left, closed in {} s at the latest", node_.rooms.size(),
               timeout.count());
  // Placement elsewhere skips this node from the moment the others have this report.
  if (node_.cluster) asio::post(node_.blocking, [this] { node_.cluster->announce_load(); });
  check_drain();
}

void Application::check_drain() {
  if (stopping_) return;
  if (node_.rooms.size() == 0 || core::now() >= *rooms_until_) {
    close_rooms_and_stop();
    return;
  }
  room_drain_.expires_after(std::chrono::milliseconds(100));
  room_drain_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_drain();
  });
}

void Application::close_rooms_and_stop() {
  const auto rooms = node_.rooms.all();
  if (!rooms.empty()) spdlog::info("Drain deadline passed: closing {} rooms", rooms.size());
  // Each room closes on its loop and is announced as deleted there; the webhook deliveries that
  // follow get a bounded time before the node stops.
  auto closing = std::make_shared<std::atomic<std::size_t>>(rooms.size());
  for (const auto& room : rooms) server::delete_local_room(node_, room->id(), [closing] { --*closing; });
  notifications_until_ = core::now() + kNotificationDrain;
  wait_for_notifications(std::move(closing));
}

void Application::wait_for_notifications(std::shared_ptr<std::atomic<std::size_t>> closing) {
  if (stopping_) return;
  if ((*closing == 0 && node_.webhooks.idle()) || core::now() >= notifications_until_) {
    stop();
    return;
  }
  room_drain_.expires_after(std::chrono::milliseconds(20));
  room_drain_.async_wait([this, closing = std::move(closing)](const boost::system::error_code& ec) mutable {
    if (!ec) wait_for_notifications(std::move(closing));
  });
}

core::Result<void, std::string> Application::start_cluster() {
  auto& node = node_;
  node.cluster = std::make_unique<cluster::Cluster>(
      config_.dist,
      cluster::Cluster::LocalNode{
          [&node] { return server::local_usage(node); },
          [&node](const room::RoomConfig& room_config) -> core::Result<cluster::CreatedRoom, cluster::PlacementError> {
            // Another node may have placed a room here before it heard of the drain: it tries the
            // next node on this answer.
            if (node.draining) return cluster::PlacementError{503, "This node is draining and takes no new rooms"};
            return server::create_local_room(node, room_config);
          },
          [&node](notifications::ServerEvent event) { node.bus.publish(event); },
          [&node](const cluster::RestRequest& request) { return api::serve_forwarded_request(node, request); },
          config_.address,
          [&node](const std::string& room_id) { server::delete_local_room(node, room_id); }});
  // This node's notifications go to every node, so one server socket sees the whole cluster.
  // Sending may block on a slow peer, so it runs off the event loops, in order, on a strand.
  node.bus.subscribe([&node, relay = asio::make_strand(node.blocking)](const notifications::ServerEvent& event) {
    if (!event.from_other_node && event.kind != notifications::ServerEventKind::MetricsReport) {
      asio::post(relay, [&node, event] { node.cluster->relay_event(event); });
    }
  });
  if (auto status = node.cluster->start(); !status) return status.error();
  spdlog::info("Distribution node {} started", node.cluster->node_name());
  node.metrics.set_cluster_size_source([&node] { return node.cluster->connected_nodes().size(); });
  return {};
}

void Application::run() { loops_.run(); }

void Application::stop() {
  asio::post(loops_.loop(0), [this] {
    if (stopping_) return;
    stopping_ = true;
    signals_.cancel();
    room_drain_.cancel();
    api_.stop();
    metrics_http_.stop();
    node_.sockets.close_all();
    drain_deadline_ = core::now() + kSocketDrain;
    wait_for_sockets();
  });
}

void Application::wait_for_sockets() {
  const bool idle = node_.sockets.size() == 0 && api_.requests_in_flight() == 0;
  if (idle || core::now() >= drain_deadline_) {
    // Last: requests still being answered may need the cluster (a create placed on another node).
    if (node_.cluster) node_.cluster->stop();
    loops_.stop();
    return;
  }
  drain_.expires_after(std::chrono::milliseconds(20));
  drain_.async_wait([this](const boost::system::error_code&) { wait_for_sockets(); });
}

void Application::shut_down_threads() {
  if (threads_down_) return;
  threads_down_ = true;
  // No thread runs shoal code after this; queued work is destroyed while everything it may
  // refer to still exists. Members are destroyed afterwards, in any order that is safe with no
  // work left.
  loops_.stop();
  node_.blocking.stop();
  node_.blocking.join();
  node_.blocking.shutdown();
  loops_.shutdown();
}

}  // namespace shoal::app
