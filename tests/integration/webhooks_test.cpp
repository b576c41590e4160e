// Webhooks: events of a room created with webhookUrl are POSTed, signed, and retried.
#include "harness.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace shoal::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct ReceivedHook {
  std::string body;
  std::string signature;
  std::string content_type;
};

// A tiny HTTP server on loopback that records POSTs and fails the first `failures` of them.
class HookReceiver {
 public:
  explicit HookReceiver(int failures) : failures_(failures), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~HookReceiver() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int attempts() const { return attempts_; }
  // Waits until `count` events were accepted (2xx) or the timeout passes.
  std::vector<ReceivedHook> wait_for(std::size_t count, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return accepted_.size() >= count; });
    return accepted_;
  }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      const bool fail = attempts_++ < failures_;
      http::response<http::string_body> response{fail ? http::status::internal_server_error : http::status::ok, 11};
      response.prepare_payload();
      http::write(socket, response, ec);
      if (!fail) {
        std::lock_guard lock(mutex_);
        accepted_.push_back({request.body(), std::string(request["x-shoal-signature"]),
                             std::string(request[http::field::content_type])});
        cv_.notify_all();
      }
    }
  }

  int failures_;
  std::atomic<int> attempts_{0};
  std::atomic<bool> stopping_{false};
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ReceivedHook> accepted_;
};

std::string expected_signature(const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  std::string hex = "sha256=";
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

TEST(Webhooks, RoomEventsArriveSignedInOrderAfterARetry) {
  HookReceiver receiver(/*failures=*/1);
  ShoalProcess shoal;
  const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook?x=1";
  auto created = api(shoal.port(), "POST", "/room", json{{"webhookUrl", url}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const auto room = created.json_body()["data"]["room"];
  EXPECT_EQ(room["config"]["webhookUrl"], url);
  const std::string room_id = room["id"];

  auto peer = create_peer(shoal.port(), room_id);
  {
    auto socket = connect_peer(shoal.port(), peer.token);
    socket->close();
  }
  ASSERT_EQ(api(shoal.port(), "DELETE", "/room/" + room_id).status, 204);

  auto hooks = receiver.wait_for(4, std::chrono::seconds(10));
  ASSERT_EQ(hooks.size(), 4u);
  EXPECT_GE(receiver.attempts(), 5);  // the first attempt was refused and retried
  // The socket's disconnect and the room's deletion race (as in the original): either order.
  std::vector<std::string> types;
  for (const auto& hook : hooks) types.push_back(json::parse(hook.body)["type"]);
  EXPECT_EQ(types[0], "room_created");
  EXPECT_EQ(types[1], "peer_connected");
  EXPECT_EQ(std::set<std::string>(types.begin() + 2, types.end()),
            (std::set<std::string>{"peer_disconnected", "room_deleted"}));
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    auto body = json::parse(hooks[i].body);
    EXPECT_EQ(body["room_id"], room_id);
    EXPECT_EQ(hooks[i].content_type, "application/json");
    EXPECT_EQ(hooks[i].signature, expected_signature("development", hooks[i].body));
  }
  EXPECT_EQ(json::parse(hooks[1].body)["peer_id"], peer.id);

  auto metrics = http_request(shoal.metrics_port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("shoal_webhook_deliveries_total{result=\"delivered\"} 4"), std::string::npos)
      << metrics.body;
}

TEST(Webhooks, RoomsWithoutWebhookSendNothingAndBadUrlsAreRefused) {
  HookReceiver receiver(0);
  ShoalProcess shoal;
  create_room(shoal.port());
  for (const char* bad : {"ftp://x", "https://example.com/hook", "http://", "not a url", "http://h:99999/"}) {
    auto result = api(shoal.port(), "POST", "/room", json{{"webhookUrl", bad}}.dump());
    EXPECT_EQ(result.status, 400) << bad;
    EXPECT_EQ(result.json_body()["errors"], "webhookUrl must be an http:// URL");
  }
  EXPECT_EQ(api(shoal.port(), "POST", "/room", R"({"webhookUrl":5})").status, 400);
  EXPECT_EQ(api(shoal.port(), "GET", "/room").json_body()["data"].size(), 1u);  // nothing half-created
  EXPECT_TRUE(receiver.wait_for(1, std::chrono::seconds(1)).empty());
}

TEST(Webhooks, ADeadTargetNeverSlowsRoomsOrOtherDestinations) {
  const auto dead_port = free_port();  // nothing listens there
  HookReceiver live(0);
  ShoalProcess shoal;
  const auto dead_url = "http://127.0.0.1:" + std::to_string(dead_port) + "/";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(api(shoal.port(), "POST", "/room", json{{"webhookUrl", dead_url}}.dump()).status, 201);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  auto room = api(shoal.port(), "POST", "/room",
                  json{{"webhookUrl", "http://127.0.0.1:" + std::to_string(live.port()) + "/"}}.dump());
  ASSERT_EQ(room.status, 201);
  auto hooks = live.wait_for(1, std::chrono::seconds(5));
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(json::parse(hooks[0].body)["type"], "room_created");
}

}  // namespace
}  // namespace shoal::test
