#include "notifications/webhooks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

namespace shoal::notifications {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kRouteGrace{10};

namespace {

const char* event_name(ServerEventKind kind) {
  switch (kind) {
    case ServerEventKind::RoomCreated: return "room_created";
    case ServerEventKind::RoomDeleted: return "room_deleted";
    case ServerEventKind::RoomCrashed: return "room_crashed";
    case ServerEventKind::PeerConnected: return "peer_connected";
    case ServerEventKind::PeerDisconnected: return "peer_disconnected";
    case ServerEventKind::PeerCrashed: return "peer_crashed";
    case ServerEventKind::ComponentCrashed: return "component_crashed";
    case ServerEventKind::HlsPlayable: return "hls_playable";
    case ServerEventKind::MetricsReport: return "metrics_report";
  }
  return "unknown";
}

}  // namespace

std::string webhook_body(const ServerEvent& event) {
  nlohmann::json body = {{"type", event_name(event.kind)}, {"room_id", event.room_id}};
  switch (event.kind) {
    case ServerEventKind::PeerConnected:
    case ServerEventKind::PeerDisconnected:
    case ServerEventKind::PeerCrashed:
      body["peer_id"] = event.subject_id;
      break;
    case ServerEventKind::ComponentCrashed:
    case ServerEventKind::HlsPlayable:
      body["component_id"] = event.subject_id;
      break;
    default:
      break;
  }
  return body.dump();
}

std::string webhook_signature(std::string_view key, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0F]);
  }
  return out;
}

WebhookDispatcher::WebhookDispatcher(asio::io_context& loop, NotificationBus& bus, std::string signing_key,
                                     metrics::Metrics& metrics, WebhookPolicy policy)
    : loop_(loop),
      bus_(bus),
      signing_key_(std::move(signing_key)),
      metrics_(metrics),
      policy_(policy),
      tls_(asio::ssl::context::tls_client) {
  tls_.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  tls_.set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code trust_error;
  tls_.set_default_verify_paths(trust_error);
  if (trust_error) spdlog::warn("No system certificate store for https webhooks: {}", trust_error.message());
  subscription_ = bus_.subscribe([this](const ServerEvent& event) {
    if (event.kind == ServerEventKind::MetricsReport) return;
    asio::post(loop_, [this, event] { on_event(event); });
  });
}

WebhookDispatcher::~WebhookDispatcher() { bus_.unsubscribe(subscription_); }

void WebhookDispatcher::register_room(const std::string& room_id, const std::string& url) {
  asio::post(loop_, [this, room_id, url] { room_urls_[room_id] = url; });
}

void WebhookDispatcher::on_event(const ServerEvent& event) {
  auto route = room_urls_.find(event.room_id);
  if (route == room_urls_.end()) return;
  const std::string url_text = route->second;
  if (event.kind == ServerEventKind::RoomDeleted || event.kind == ServerEventKind::RoomCrashed) {
    // Sockets closed by the deletion still report PeerDisconnected after it: keep the route a
    // little longer so those arrive too.
    auto timer = std::make_shared<asio::steady_timer>(loop_, kRouteGrace);
    timer->async_wait([this, timer, room_id = event.room_id](const boost::system::error_code& ec) {
      if (!ec) room_urls_.erase(room_id);
    });
  }
  auto [it, inserted] = destinations_.try_emplace(url_text);
  Destination& destination = it->second;
  if (inserted) destination.url = parse_http_url(url_text).value_or(HttpUrl{});
  if (destination.queue.size() >= policy_.max_queued) {
    destination.queue.pop_front();
    metrics_.webhooks_failed().Increment();
    spdlog::warn("Webhook queue for {} is full; dropped its oldest event", url_text);
  }
  destination.queue.push_back(webhook_body(event));
  if (!destination.sending) {
    destination.sending = true;
    asio::co_spawn(loop_, drain(url_text), asio::detached);
  }
}

asio::awaitable<void> WebhookDispatcher::drain(std::string url_text) {
  for (;;) {
    auto it = destinations_.find(url_text);
    if (it == destinations_.end()) co_return;
    if (it->second.queue.empty()) {
      // Nothing left: forget the destination so idle URLs cost nothing.
      destinations_.erase(it);
      co_return;
    }
    const HttpUrl url = it->second.url;
    const std::string body = it->second.queue.front();
    bool delivered = false;
    auto backoff = policy_.first_backoff;
    for (int attempt = 0; attempt < policy_.attempts && !delivered; ++attempt) {
      if (attempt > 0) {
        asio::steady_timer timer(loop_, backoff);
        co_await timer.async_wait(use_tuple);
        backoff *= 2;
      }
      delivered = co_await post_once(url, body);
    }
    if (delivered) {
      metrics_.webhooks_delivered().Increment();
    } else {
      metrics_.webhooks_failed().Increment();
      spdlog::warn("Giving up on webhook to {} after {} attempts", url_text, policy_.attempts);
    }
    it = destinations_.find(url_text);
    if (it != destinations_.end() && !it->second.queue.empty()) it->second.queue.pop_front();
  }
}

asio::awaitable<bool> WebhookDispatcher::post_once(const HttpUrl& url, const std::string& body) {
  auto resolved = co_await resolver_.resolve(url.host, url.port, policy_.request_timeout);
  if (!resolved) {
    spdlog::debug("Webhook host {} not resolved: {}", url.host, resolved.error());
    co_return false;
  }
  const auto& endpoints = *resolved;
  if (!url.tls) {
    beast::tcp_stream stream(loop_);
    stream.expires_after(policy_.request_timeout);
    auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
    if (connect_error) co_return false;
    const bool delivered = co_await exchange(stream, url, body);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return delivered;
  }

  beast::ssl_stream<beast::tcp_stream> stream(loop_, tls_);
  // The peer must prove it is the host named in the URL: an IP address is matched against the
  // certificate's IP entries, a name against its DNS entries (and sent as SNI).
  SSL* ssl = stream.native_handle();
  boost::system::error_code not_an_ip;
  asio::ip::make_address(url.host, not_an_ip);
  if (!not_an_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, url.host.c_str());
    SSL_set1_host(ssl, url.host.c_str());
  }
  beast::get_lowest_layer(stream).expires_after(policy_.request_timeout);
  auto [connect_error, endpoint] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_tuple);
  if (connect_error) co_return false;
  auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
  if (handshake_error) {
    spdlog::warn("Webhook TLS handshake with {} failed: {}", url.host, handshake_error.message());
    co_return false;
  }
  const bool delivered = co_await exchange(stream, url, body);
  // The response is complete (Connection: close); waiting for the peer's close_notify would only
  // hold the destination's queue up to the request timeout.
  beast::get_lowest_layer(stream).close();
  co_return delivered;
}

template <typename Stream>
asio::awaitable<bool> WebhookDispatcher::exchange(Stream& stream, const HttpUrl& url, const std::string& body) {
  http::request<http::string_body> request{http::verb::post, url.target, 11};
  const bool default_port = url.port == (url.tls ? 443 : 80);
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  request.set(http::field::host, default_port ? host : host + ":" + std::to_string(url.port));
  request.set(http::field::content_type, "application/json");
  request.set(http::field::user_agent, "shoal-webhooks");
  request.set("x-shoal-signature", webhook_signature(signing_key_, body));
  request.body() = body;
  request.keep_alive(false);
  request.prepare_payload();
  auto [write_error, written] = co_await http::async_write(stream, request, use_tuple);
  if (write_error) co_return false;

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 10);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_error) co_return false;
  const auto status = parser.get().result_int();
  co_return status >= 200 && status < 300;
}

}  // namespace shoal::notifications
