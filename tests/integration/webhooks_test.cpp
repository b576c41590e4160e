// Webhooks: events of a room created with webhookUrl are POSTed, signed, and retried.
#include "cluster_harness.hpp"
#include "dns_responder.hpp"
#include "harness.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

// A self-signed P-256 certificate for 127.0.0.1 and localhost, written as PEM files.
struct TestCertificate {
  std::string cert_path;
  std::string key_path;

  explicit TestCertificate(const std::string& directory) {
    cert_path = directory + "/cert.pem";
    key_path = directory + "/key.pem";
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
    FILE* out = std::fopen(cert_path.c_str(), "w");
    PEM_write_X509(out, cert);
    std::fclose(out);
    out = std::fopen(key_path.c_str(), "w");
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

// A tiny HTTP (or, given a certificate, HTTPS) server on loopback that records POSTs and fails
// the first `failures` of them.
class HookReceiver {
 public:
  explicit HookReceiver(int failures, const TestCertificate* certificate = nullptr)
      : failures_(failures), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    if (certificate) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(certificate->cert_path);
      tls_->use_private_key_file(certificate->key_path, asio::ssl::context::pem);
    }
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
  int handshake_failures() const { return handshake_failures_; }
  // Waits until `count` events were accepted (2xx) or the timeout passes.
  std::vector<ReceivedHook> wait_for(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return accepted_.size() >= count; });
    return accepted_;
  }

 private:
  template <typename Stream>
  bool answer(Stream& stream, http::request<http::string_body>& request, bool& fail) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    http::read(stream, buffer, request, ec);
    if (ec) return false;
    fail = attempts_++ < failures_;
    http::response<http::string_body> response{fail ? http::status::internal_server_error : http::status::ok, 11};
    response.prepare_payload();
    http::write(stream, response, ec);
    return true;
  }

  void serve() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      socket.set_option(tcp::socket::reuse_address(true), ec);
      timeval limit{5, 0};  // a stuck client must not stall the receiver (and the test) forever
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      http::request<http::string_body> request;
      bool fail = false;
      if (tls_) {
        asio::ssl::stream<tcp::socket&> stream(socket, *tls_);
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (ec) {
          handshake_failures_++;
          continue;
        }
        if (!answer(stream, request, fail)) continue;
      } else if (!answer(socket, request, fail)) {
        continue;
      }
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
  std::atomic<int> handshake_failures_{0};
  std::optional<asio::ssl::context> tls_;
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

  // The receiver has the fourth request before shoal has read the answer and counted it.
  const std::string delivered = "shoal_webhook_deliveries_total{result=\"delivered\"} 4";
  auto metrics = http_request(shoal.metrics_port(), "GET", "/metrics");
  for (int i = 0; i < 100 && metrics.body.find(delivered) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = http_request(shoal.metrics_port(), "GET", "/metrics");
  }
  EXPECT_NE(metrics.body.find(delivered), std::string::npos) << metrics.body;
}

TEST(Webhooks, HttpsTargetsGetVerifiedSignedPostsAndUntrustedOnesNone) {
  const auto directory = std::filesystem::temp_directory_path() / ("shoal-webhook-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  TestCertificate certificate(directory.string());
  HookReceiver trusted(/*failures=*/0, &certificate);
  {
    // The server trusts the test certificate through OpenSSL's standard SSL_CERT_FILE override.
    ShoalProcess shoal(Env{{"SSL_CERT_FILE", certificate.cert_path}});
    for (const char* host : {"127.0.0.1", "localhost"}) {
      const std::string url = std::string("https://") + host + ":" + std::to_string(trusted.port()) + "/tls-hook";
      auto created = api(shoal.port(), "POST", "/room", json{{"webhookUrl", url}}.dump());
      ASSERT_EQ(created.status, 201) << created.body;
    }
    auto hooks = trusted.wait_for(2, std::chrono::seconds(10));
    ASSERT_EQ(hooks.size(), 2u);
    for (const auto& hook : hooks) {
      EXPECT_EQ(json::parse(hook.body)["type"], "room_created");
      EXPECT_EQ(hook.signature, expected_signature("development", hook.body));
    }
  }
  {
    // Without that trust the certificate is refused: nothing is posted, the failure is counted
    // once the retries are spent, and rooms are unaffected.
    HookReceiver untrusted(0, &certificate);
    ShoalProcess shoal(Env{{"SSL_CERT_FILE", "/nonexistent"}});
    const std::string url = "https://127.0.0.1:" + std::to_string(untrusted.port()) + "/";
    ASSERT_EQ(api(shoal.port(), "POST", "/room", json{{"webhookUrl", url}}.dump()).status, 201);
    std::string metrics;
    for (int i = 0; i < 100; ++i) {
      metrics = http_request(shoal.metrics_port(), "GET", "/metrics").body;
      if (metrics.find("shoal_webhook_deliveries_total{result=\"failed\"} 1") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(metrics.find("shoal_webhook_deliveries_total{result=\"failed\"} 1"), std::string::npos) << metrics;
    EXPECT_TRUE(untrusted.wait_for(1, std::chrono::milliseconds(1)).empty());
    EXPECT_GE(untrusted.handshake_failures(), 5);
    EXPECT_EQ(api(shoal.port(), "GET", "/room").json_body()["data"].size(), 1u);
  }
  std::filesystem::remove_all(directory);
}

TEST(Webhooks, RoomsWithoutWebhookSendNothingAndBadUrlsAreRefused) {
  HookReceiver receiver(0);
  ShoalProcess shoal;
  create_room(shoal.port());
  for (const char* bad : {"ftp://x", "https://", "http://", "not a url", "http://h:99999/", "https://u:p@example.com/"}) {
    auto result = api(shoal.port(), "POST", "/room", json{{"webhookUrl", bad}}.dump());
    EXPECT_EQ(result.status, 400) << bad;
    EXPECT_EQ(result.json_body()["errors"], "webhookUrl must be an http:// or https:// URL");
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

TEST(Webhooks, ANameWhoseNameserverNeverAnswersDoesNotHoldUpOtherDestinations) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces); skipped";
  const auto nameserver = first_ipv4_nameserver();
  if (nameserver.empty()) GTEST_SKIP() << "no IPv4 nameserver in /etc/resolv.conf to stand in for; skipped";
  NetnsLab ns(1);
  if (!ns.ok()) GTEST_SKIP() << "cannot create a network namespace here (ip netns); skipped";
  ASSERT_TRUE(ns.add_local_address(0, nameserver));
  // Inside the namespace, the node's nameserver answers one name and never answers the other.
  DnsResponder dns(ns.name(0), nameserver, {{"fast.webhook-test", {"127.0.0.1"}}}, {"slow.webhook-test"});
  ASSERT_TRUE(dns.bound());

  std::unique_ptr<HookReceiver> receiver;
  std::unique_ptr<ShoalProcess> shoal;
  // Both are torn down inside the namespace, whatever fails: the receiver's stop connects to it.
  struct TearDownInside {
    const std::string& ns;
    std::unique_ptr<HookReceiver>& receiver;
    std::unique_ptr<ShoalProcess>& shoal;
    ~TearDownInside() {
      in_netns(ns, [&] {
        shoal.reset();
        receiver.reset();
      });
    }
  } tear_down{ns.name(0), receiver, shoal};
  std::vector<ReceivedHook> hooks;
  std::chrono::steady_clock::duration waited{};
  in_netns(ns.name(0), [&] {
    receiver = std::make_unique<HookReceiver>(0);
    shoal = std::make_unique<ShoalProcess>();
    const auto target = [&](const std::string& host) {
      return "http://" + host + ":" + std::to_string(receiver->port()) + "/hook";
    };
    ASSERT_EQ(api(shoal->port(), "POST", "/room", json{{"webhookUrl", target("slow.webhook-test")}}.dump()).status, 201);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // its lookup is under way
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(api(shoal->port(), "POST", "/room", json{{"webhookUrl", target("fast.webhook-test")}}.dump()).status, 201);
    hooks = receiver->wait_for(1, std::chrono::seconds(5));
    waited = std::chrono::steady_clock::now() - start;
  });
  ASSERT_EQ(hooks.size(), 1u) << (shoal ? shoal->output() : "");
  EXPECT_EQ(json::parse(hooks[0].body)["type"], "room_created");
  EXPECT_LT(waited, std::chrono::milliseconds(900)) << "the fast name waited for the slow one";
  EXPECT_GT(dns.queries(), 0);
}

}  // namespace
}  // namespace shoal::test
