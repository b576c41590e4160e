// Hostile HTTP input and bad configuration: refused with the right status or message, nothing
// stored is lost, other clients are not affected.
#include "harness.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace shoal::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Sends raw bytes and returns whatever the server answers before closing (bounded).
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{5, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  std::string answer;
  char chunk[4096];
  for (int i = 0; i < 64; ++i) {
    auto n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    answer.append(chunk, n);
  }
  return answer;
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    kept_ = create_room(shoal_.port(), {{"maxPeers", 7}});
    kept_json_ = api(shoal_.port(), "GET", "/room/" + kept_).body;
  }
  void TearDown() override {
    EXPECT_TRUE(shoal_.running());
    EXPECT_EQ(api(shoal_.port(), "GET", "/room/" + kept_).body, kept_json_);  // stored room untouched
  }
  ShoalProcess shoal_;
  std::string kept_;
  std::string kept_json_;
};

TEST_F(HostileInput, OversizedBodyIs413) {
  std::string big = "{\"maxPeers\":1,\"pad\":\"" + std::string(2 << 20, 'x') + "\"}";
  auto answer = raw_exchange(shoal_.port(), "POST /room HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer development\r\n"
                                            "Content-Type: application/json\r\nContent-Length: " +
                                                std::to_string(big.size()) + "\r\n\r\n" + big);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
  EXPECT_EQ(api(shoal_.port(), "GET", "/room").json_body()["data"].size(), 1u);
}

TEST_F(HostileInput, OversizedHeadersAre431) {
  auto answer = raw_exchange(shoal_.port(), "GET /room HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
}

TEST_F(HostileInput, GarbageGets400AndOnlyThatConnectionCloses) {
  auto answer = raw_exchange(shoal_.port(), std::string("\x00\x01GARBAGE\r\n\r\n", 13));
  EXPECT_TRUE(answer.empty() || answer.rfind("HTTP/1.1 400", 0) == 0) << answer.substr(0, 200);
  EXPECT_EQ(api(shoal_.port(), "GET", "/room").status, 200);
}

TEST_F(HostileInput, AHalfSentRequestDoesNotBlockOthers) {
  asio::io_context ioc;
  tcp::socket slow(ioc);
  slow.connect({asio::ip::make_address("127.0.0.1"), shoal_.port()});
  asio::write(slow, asio::buffer(std::string("GET /room HTTP/1.1\r\nHost: x\r\n")));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(api(shoal_.port(), "GET", "/room").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(HostileInput, TwoHundredConcurrentKeepAliveClients) {
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 200; ++i) {
    clients.emplace_back([&] {
      try {
        if (api(shoal_.port(), "GET", "/room").status == 200) ++ok;
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 200);
}

TEST(StartupConfig, BadValuesStopTheServerWithTheOriginalTexts) {
  struct Case {
    Env env;
    std::string text;
  };
  const std::vector<Case> cases = {
      {{{"JF_PORT", "abc"}}, "Bad JF_PORT environment variable value. Expected valid port number, got: abc"},
      {{{"JF_IP", "localhost"}}, "Bad JF_IP environment variable value. Expected valid ip address, got: localhost\""},
      {{{"JF_WEBRTC_USED", "maybe"}}, "Bad JF_WEBRTC_USED environment variable value. Expected true or false, got: maybe"},
      {{{"JF_WEBRTC_TURN_PORT_RANGE", "10-5"}},
       "Bad JF_WEBRTC_TURN_PORT_RANGE environment variable value. Expected \"from-to\", where `from` and `to` are "
       "numbers between 0 and 65535 and `from` is not bigger than `to`, got: 10-5"},
      {{{"JF_METRICS_PORT", "70000"}}, "Bad JF_METRICS_PORT environment variable value. Expected valid port number, got: 70000"},
      {{{"JF_SERVER_API_TOKEN", ""}}, "JF_SERVER_API_TOKEN"},
  };
  for (const auto& c : cases) {
    auto result = run_shoal_to_exit(c.env, {"--dev"});
    EXPECT_NE(result.exit_code, 0) << c.text;
    EXPECT_NE(result.output.find(c.text), std::string::npos) << result.output;
  }
}

TEST(StartupConfig, ProductionModeNeedsTheApiToken) {
  auto result = run_shoal_to_exit({}, {});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("environment variable JF_SERVER_API_TOKEN is missing.\n"
                               "JF_SERVER_API_TOKEN is used for HTTP requests and\n"
                               "server WebSocket authorization."),
            std::string::npos)
      << result.output;

  ShoalProcess production({{"JF_SERVER_API_TOKEN", "secret"}}, {});
  EXPECT_EQ(api(production.port(), "GET", "/room", {}, "secret").status, 200);
  EXPECT_EQ(api(production.port(), "GET", "/room", {}, "development").status, 401);
  EXPECT_EQ(production.terminate(), 0);
}

TEST(StartupConfig, BusyPortHelpAndUnknownArguments) {
  asio::io_context ioc;
  tcp::acceptor taken(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  auto busy = run_shoal_to_exit({{"JF_PORT", std::to_string(taken.local_endpoint().port())}}, {"--dev"});
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_NE(busy.output.find("cannot listen on 127.0.0.1:" + std::to_string(taken.local_endpoint().port())),
            std::string::npos)
      << busy.output;

  auto help = run_shoal_to_exit({}, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* name : {"JF_PORT", "JF_SERVER_API_TOKEN", "JF_DIST_NODES", "JF_WEBRTC_TURN_PORT_RANGE"}) {
    EXPECT_NE(help.output.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(run_shoal_to_exit({}, {"--bogus"}).exit_code, 2);
}

}  // namespace
}  // namespace shoal::test
