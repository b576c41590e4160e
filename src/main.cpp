// shoal: a media server compatible with Jellyfish v0.2.1.
#include "api/http_listener.hpp"
#include "api/origin_check.hpp"
#include "api/rest_api.hpp"
#include "config/config.hpp"
#include "core/loop_pool.hpp"
#include "server/node.hpp"
#include "notifications/metrics_report.hpp"
#include "notifications/server_socket.hpp"
#include "signaling/peer_socket.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/steady_timer.hpp>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <sys/resource.h>
#include <functional>
#include <iostream>
#include <string_view>
#include <thread>

namespace {

namespace asio = boost::asio;
using shoal::api::Request;
using shoal::api::Response;
namespace http = shoal::api::http;

constexpr std::string_view kVersion = "0.1.0";

std::string_view path_of(const Request& request) {
  std::string_view target = request.target();
  return target.substr(0, target.find('?'));
}

asio::awaitable<std::optional<Response>> upgrade(shoal::server::Node& node,
                                                 boost::beast::tcp_stream& stream, Request& request) {
  auto path = path_of(request);
  const bool peer_socket = path == "/socket/peer/websocket";
  if (!peer_socket && path != "/socket/server/websocket") {
    co_return shoal::api::framework_error(http::status::not_found);
  }
  if (!shoal::api::origin_allowed(node.config.check_origin, node.config.url_host,
                                  request[http::field::origin], request[http::field::host])) {
    spdlog::error("Could not check origin for Phoenix.Socket transport. Origin of the request: {}",
                  std::string(request[http::field::origin]));
    co_return shoal::api::empty_response(http::status::forbidden);
  }
  if (peer_socket) {
    co_await shoal::signaling::run_peer_socket(node, std::move(stream), std::move(request));
  } else {
    co_await shoal::notifications::run_server_socket(node, std::move(stream), std::move(request));
  }
  co_return std::nullopt;
}

asio::awaitable<shoal::api::Reply> serve_metrics(shoal::server::Node& node, Request& request) {
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

void log_startup(const shoal::config::Config& config) {
  spdlog::info("Starting shoal v{} (Jellyfish v0.2.1 compatible){}", kVersion,
               config.mode == shoal::config::Mode::Development ? " in development mode" : "");
  spdlog::info("Distribution config: [enabled: {}, node_name: {}, nodes: {}]", config.dist.enabled,
               config.dist.enabled ? config.dist.node_name : "nil", config.dist.nodes.size());
  spdlog::info("WebRTC config: [webrtc_used: {}]", config.webrtc.used);
}

// Every peer holds a socket; the default soft limit of 1024 descriptors would cap a node at
// about a thousand peers, so take what the hard limit allows.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto mode = shoal::config::Mode::Production;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << shoal::config::help_text();
      return 0;
    }
    if (arg == "--version") {
      std::cout << "shoal " << kVersion << "\n";
      return 0;
    }
    if (arg == "--dev") {
      mode = shoal::config::Mode::Development;
      continue;
    }
    std::cerr << "shoal: unknown argument " << arg << "\n" << shoal::config::help_text();
    return 2;
  }

  spdlog::set_pattern(mode == shoal::config::Mode::Development ? "[%l] %v" : "%H:%M:%S.%e [%l] %v");
  auto loaded = shoal::config::load_config(shoal::config::process_environment(), mode);
  for (const auto& warning : loaded.warnings) spdlog::warn("{}", warning);
  if (!loaded.config) {
    std::cerr << loaded.error << "\n";
    return 1;
  }
  const auto& config = *loaded.config;
  log_startup(config);
  raise_descriptor_limit();

  shoal::core::LoopPool loops(std::max(1u, std::thread::hardware_concurrency()));
  shoal::server::Node node(config, loops);

  if (config.dist.enabled) {
    node.cluster = std::make_unique<shoal::cluster::Cluster>(
        config.dist, shoal::cluster::Cluster::LocalNode{
                         [&node] { return shoal::server::local_usage(node); },
                         [&node](const shoal::room::RoomConfig& room_config)
                             -> std::variant<shoal::cluster::CreatedRoom, shoal::cluster::PlacementError> {
                           return shoal::server::create_local_room(node, room_config);
                         },
                         [&node](shoal::notifications::ServerEvent event) { node.bus.publish(event); },
                         [&node](const shoal::cluster::RestRequest& request) {
                           return shoal::api::serve_forwarded_request(node, request);
                         }});
    // This node's notifications go to every node, so one server socket sees the whole cluster.
    // Sending may block on a slow peer, so it runs off the event loops, in order, on a strand.
    node.bus.subscribe([&node, relay = asio::make_strand(node.blocking)](
                           const shoal::notifications::ServerEvent& event) {
      if (!event.from_other_node && event.kind != shoal::notifications::ServerEventKind::MetricsReport) {
        asio::post(relay, [&node, event] { node.cluster->relay_event(event); });
      }
    });
    if (auto status = node.cluster->start(); !status) {
      std::cerr << status.error << "\n";
      return 1;
    }
    spdlog::info("Distribution node {} started", node.cluster->node_name());
    node.metrics.set_cluster_size_source([&node] { return node.cluster->connected_nodes().size(); });
  }

  shoal::api::HttpLimits api_limits;
  api_limits.max_connections = config.max_connections;
  api_limits.max_connections_per_address = config.max_connections_per_ip;
  shoal::api::HttpListener api(
      loops, {config.ip, config.port},
      {[&node](Request& request) { return shoal::api::handle_rest_request(node, request); },
       [&node](boost::beast::tcp_stream& stream, Request& request) { return upgrade(node, stream, request); },
       [&node] { node.metrics.refusals().add(shoal::metrics::Refusal::HttpConnection); }},
      api_limits);
  if (auto error = api.start()) {
    std::cerr << "shoal: " << *error << " (JF_IP/JF_PORT)\n";
    return 1;
  }
  shoal::api::HttpListener metrics_http(
      loops, {config.metrics_ip, config.metrics_port},
      {[&node](Request& request) { return serve_metrics(node, request); }, nullptr});
  if (auto error = metrics_http.start()) {
    std::cerr << "shoal: " << *error << " (JF_METRICS_IP/JF_METRICS_PORT)\n";
    return 1;
  }
  spdlog::info("Starting prometheus metrics endpoint at: http://{}:{}", config.metrics_ip.to_string(),
               metrics_http.local_endpoint().port());
  spdlog::info("Running shoal at {}:{} (http)", config.ip.to_string(), api.local_endpoint().port());
  node.metrics.start(loops.loop(0));
  shoal::notifications::start_metrics_reports(loops.loop(0), node.rooms, node.bus);

  // SIGTERM/SIGINT: stop accepting, close every socket with a proper close frame, then exit 0.
  asio::signal_set signals(loops.loop(0), SIGTERM, SIGINT);
  asio::steady_timer drain(loops.loop(0));
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> wait_for_sockets = [&] {
    if (node.sockets.size() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      loops.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](const boost::system::error_code&) { wait_for_sockets(); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("Received signal {}, shutting down", signal);
    api.stop();
    metrics_http.stop();
    if (node.cluster) node.cluster->stop();
    node.sockets.close_all();
    drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    wait_for_sockets();
  });

  loops.run();
  // Teardown: first no thread runs shoal code any more, then queued work is destroyed while the
  // Node, the listeners and every context it may refer to still exist; only then the objects.
  node.blocking.stop();
  node.blocking.join();
  node.blocking.shutdown();
  loops.shutdown();
  spdlog::info("shoal stopped");
  return 0;
}
