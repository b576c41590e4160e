// Caps on open HTTP/WebSocket connections of the API listener (JF_MAX_CONNECTIONS,
// JF_MAX_CONNECTIONS_PER_IP): one client address holding idle connections cannot lock others
// out, and neither can all clients together beyond the global cap. Real binary, real sockets;
// the second client address is 127.0.0.2 (all of 127/8 is loopback).
#include "harness.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

// A TCP connection from `source` (an address of lo) to the server.
class RawConnection {
 public:
  RawConnection(const char* source, std::uint16_t port) : fd_(connect_from(source, port)), connected_(fd_ >= 0) {}
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(RawConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)), connected_(other.connected_) {}
  RawConnection& operator=(RawConnection&&) = delete;

  bool connected() const { return connected_; }
  // Sends a GET /health and returns what comes back until the server closes or `timeout`.
  std::string request_health(std::chrono::milliseconds timeout = 3s) {
    const std::string request = "GET /health HTTP/1.1\r\nhost: x\r\nauthorization: Bearer development\r\nconnection: close\r\n\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
    return read_all(timeout);
  }
  // Everything the server sends until it closes the connection or `timeout`.
  std::string read_all(std::chrono::milliseconds timeout = 3s) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd descriptor{fd_, POLLIN, 0};
      if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      const auto size = ::recv(fd_, buffer, sizeof buffer, 0);
      if (size <= 0) break;
      out.append(buffer, static_cast<std::size_t>(size));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

bool is_status(const std::string& response, int status) {
  return response.rfind("HTTP/1.1 " + std::to_string(status), 0) == 0;
}

TEST(HttpConnectionLimits, OneAddressCannotTakeEverySlot) {
  ShoalProcess shoal(Env{{"JF_MAX_CONNECTIONS_PER_IP", "20"}});
  std::vector<RawConnection> idle;
  for (int i = 0; i < 20; ++i) {
    idle.emplace_back("127.0.0.1", shoal.port());
    ASSERT_TRUE(idle.back().connected());
  }
  // Let the server accept all of them before the next one is judged.
  std::this_thread::sleep_for(300ms);
  RawConnection over("127.0.0.1", shoal.port());
  const std::string refused = over.read_all();
  EXPECT_TRUE(is_status(refused, 503)) << refused;
  EXPECT_NE(refused.find("Too many open connections"), std::string::npos) << refused;

  // Another address is served meanwhile.
  RawConnection other("127.0.0.2", shoal.port());
  ASSERT_TRUE(other.connected());
  EXPECT_TRUE(is_status(other.request_health(), 200));

  // Closing the idle ones gives their places back.
  idle.clear();
  std::string response;
  for (int attempt = 0; attempt < 50 && !is_status(response, 200); ++attempt) {
    std::this_thread::sleep_for(20ms);
    response = RawConnection("127.0.0.1", shoal.port()).request_health();
  }
  EXPECT_TRUE(is_status(response, 200)) << response;

  EXPECT_EQ(refused_total(shoal.metrics_port(), "http_connection"), 1.0);
}

TEST(HttpConnectionLimits, TheGlobalCapHoldsAcrossAddresses) {
  ShoalProcess shoal(Env{{"JF_MAX_CONNECTIONS", "10"}});
  std::vector<RawConnection> idle;
  for (int i = 0; i < 10; ++i) idle.emplace_back(i % 2 ? "127.0.0.3" : "127.0.0.4", shoal.port());
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(is_status(RawConnection("127.0.0.5", shoal.port()).read_all(), 503));
  // The metrics listener has its own budget.
  EXPECT_EQ(http_request(shoal.metrics_port(), "GET", "/metrics").status, 200);
}

TEST(HttpConnectionLimits, BadValuesStopStartUp) {
  for (const char* bad : {"0", "-1", "abc", "", "2000000"}) {
    auto result = run_shoal_to_exit({{"JF_MAX_CONNECTIONS_PER_IP", bad}}, {"--dev"});
    EXPECT_EQ(result.exit_code, 1) << bad;
    EXPECT_NE(result.output.find(std::string("Bad JF_MAX_CONNECTIONS_PER_IP environment variable value. Expected a "
                                             "number of connections from 1 to 1000000, got: ") + bad),
              std::string::npos)
        << result.output;
  }
}

}  // namespace
}  // namespace shoal::test
