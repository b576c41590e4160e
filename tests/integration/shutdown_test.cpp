// SIGTERM while clients still hold connections: the process must exit 0, not crash in teardown.
// Before LoopPool::shutdown(), an idle keep-alive connection on a loop other than the
// listener's own made every such exit a use-after-free (SIGSEGV in 10 of 10 tries).
#include "harness.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace shoal::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A connection that sent one whole request, read the answer's head and now sits idle, kept alive.
std::unique_ptr<tcp::socket> idle_keep_alive(asio::io_context& ioc, std::uint16_t port,
                                             const std::string& target) {
  auto socket = std::make_unique<tcp::socket>(ioc);
  socket->connect({asio::ip::make_address("127.0.0.1"), port});
  const std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer development\r\n\r\n";
  asio::write(*socket, asio::buffer(request));
  asio::streambuf head;
  asio::read_until(*socket, head, "\r\n\r\n");
  return socket;
}

// A connection that sent half a request head and waits for the rest.
std::unique_ptr<tcp::socket> half_sent(asio::io_context& ioc, std::uint16_t port) {
  auto socket = std::make_unique<tcp::socket>(ioc);
  socket->connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(*socket, asio::buffer(std::string("GET /room HTTP/1.1\r\nHost: 1")));
  return socket;
}

}  // namespace

TEST(Shutdown, SigtermWithIdleAndHalfSentConnectionsOnEveryLoopExitsZero) {
  // Connections are spread round-robin over the loops; 3 per kind per core covers them all.
  const unsigned per_kind = 3 * std::max(1u, std::thread::hardware_concurrency());
  for (int attempt = 0; attempt < 3; ++attempt) {
    ShoalProcess shoal;
    create_room(shoal.port());
    asio::io_context ioc;
    std::vector<std::unique_ptr<tcp::socket>> held;
    for (unsigned i = 0; i < per_kind; ++i) {
      held.push_back(idle_keep_alive(ioc, shoal.port(), "/room"));
      held.push_back(idle_keep_alive(ioc, shoal.metrics_port(), "/metrics"));
      held.push_back(half_sent(ioc, shoal.port()));
    }
    EXPECT_EQ(shoal.terminate(), 0) << "attempt " << attempt << "\n" << shoal.output();
    EXPECT_NE(shoal.output().find("shoal stopped"), std::string::npos) << shoal.output();
  }
}

TEST(Shutdown, SigtermWithPeerSocketsAndKeepAliveConnectionsExitsZero) {
  ShoalProcess shoal;
  auto room_id = create_room(shoal.port());
  std::vector<std::unique_ptr<WsClient>> peers;
  for (int i = 0; i < 4; ++i) {
    peers.push_back(connect_peer(shoal.port(), create_peer(shoal.port(), room_id).token));
  }
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> held;
  for (int i = 0; i < 4; ++i) held.push_back(idle_keep_alive(ioc, shoal.port(), "/room/" + room_id));
  // Close frames to peer sockets are covered by PeerSocketShutdown; here only the exit matters.
  EXPECT_EQ(shoal.terminate(), 0) << shoal.output();
}

}  // namespace shoal::test
