#pragma once
// Webhooks (as in later Jellyfish versions): a room created with `webhookUrl` has each of its
// server notifications POSTed there (http, or https verified against the system trust store,
// which OpenSSL's SSL_CERT_FILE/SSL_CERT_DIR can override) as JSON, signed with HMAC-SHA256 over the body using the
// server API token (header `x-shoal-signature: sha256=<hex>`). Deliveries run on one loop,
// one in flight per destination, retried with backoff, from a bounded queue: a slow or dead
// target never blocks a room.
#include "metrics/metrics.hpp"
#include "notifications/host_resolver.hpp"
#include "notifications/http_url.hpp"
#include "notifications/server_event.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

namespace shoal::notifications {

struct WebhookPolicy {
  std::size_t max_queued = 1000;  // per destination; the oldest event is dropped beyond it
  int attempts = 5;
  std::chrono::milliseconds first_backoff{250};  // doubled after each failed attempt
  std::chrono::seconds request_timeout{5};
};

// JSON body for one event: {"type":"peer_connected","room_id":…,"peer_id":…}.
std::string webhook_body(const ServerEvent& event);
// "sha256=<lowercase hex HMAC-SHA256(key, body)>".
std::string webhook_signature(std::string_view key, std::string_view body);

class WebhookDispatcher {
 public:
  WebhookDispatcher(boost::asio::io_context& loop, NotificationBus& bus, std::string signing_key,
                    metrics::Metrics& metrics, WebhookPolicy policy = {});
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Any thread; call before the room's RoomCreated is published so that event is sent too.
  void register_room(const std::string& room_id, const std::string& url);
  // Nothing queued or in flight (on the dispatcher's loop only).
  bool idle() const { return destinations_.empty(); }

 private:
  struct Destination {
    HttpUrl url;
    std::deque<std::string> queue;
    bool sending = false;
  };
  void on_event(const ServerEvent& event);  // on loop_
  boost::asio::awaitable<void> drain(std::string url_text);
  boost::asio::awaitable<bool> post_once(const HttpUrl& url, const std::string& body);
  template <typename Stream>
  boost::asio::awaitable<bool> exchange(Stream& stream, const HttpUrl& url, const std::string& body);

  boost::asio::io_context& loop_;
  NotificationBus& bus_;
  std::string signing_key_;
  metrics::Metrics& metrics_;
  WebhookPolicy policy_;
  boost::asio::ssl::context tls_;
  HostResolver resolver_;
  NotificationBus::Token subscription_;
  std::unordered_map<std::string, std::string> room_urls_;       // room id -> url
  std::unordered_map<std::string, Destination> destinations_;    // url -> queue
};

}  // namespace shoal::notifications
