// The send batch over real loopback sockets: nothing leaves before the outermost scope closes,
// then every datagram arrives, in order per socket, and is counted.
#include "webrtc/udp_send_batch.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace shoal::webrtc {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

struct Receiver {
  explicit Receiver(asio::io_context& io) : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    socket.non_blocking(true);
  }
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    std::array<char, 2048> buffer{};
    for (;;) {
      boost::system::error_code ec;
      const auto size = socket.receive(asio::buffer(buffer), 0, ec);
      if (ec) return out;
      out.emplace_back(buffer.data(), size);
    }
  }
  udp::socket socket;
};

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(UdpSendBatch, QueuesOnlyInsideAScopeAndSendsInOrderPerSocketWhenItCloses) {
  asio::io_context io;
  Receiver first(io), second(io);
  udp::socket sender_a(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  udp::socket sender_b(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::uint64_t bytes_a = 0, packets_a = 0, bytes_b = 0, packets_b = 0;
  const UdpSendCounters counters_a{&bytes_a, &packets_a}, counters_b{&bytes_b, &packets_b};

  EXPECT_FALSE(UdpSendBatch::queue(sender_a.native_handle(), first.socket.local_endpoint(), bytes_of("x"), counters_a));
  {
    UdpSendBatch::Scope outer;
    {
      UdpSendBatch::Scope inner;  // nested scopes flush only at the outermost end
      for (int i = 0; i < 40; ++i) {
        const auto text = std::to_string(i);
        ASSERT_TRUE(UdpSendBatch::queue(sender_a.native_handle(), first.socket.local_endpoint(), bytes_of(text),
                                        counters_a));
        ASSERT_TRUE(UdpSendBatch::queue(sender_b.native_handle(), second.socket.local_endpoint(),
                                        bytes_of("b" + text), counters_b));
      }
    }
    EXPECT_TRUE(first.drain().empty());
    EXPECT_TRUE(second.drain().empty());
  }
  const auto got_first = first.drain();
  const auto got_second = second.drain();
  ASSERT_EQ(got_first.size(), 40u);
  ASSERT_EQ(got_second.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(got_first[static_cast<std::size_t>(i)], std::to_string(i));
    EXPECT_EQ(got_second[static_cast<std::size_t>(i)], "b" + std::to_string(i));
  }
  EXPECT_EQ(packets_a, 40u);
  EXPECT_EQ(packets_b, 40u);
  EXPECT_EQ(bytes_b, bytes_a + 40);
}

TEST(UdpSendBatch, AForgottenSocketSendsNothingAndOthersAreUnaffected) {
  asio::io_context io;
  Receiver receiver(io);
  udp::socket closing(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  udp::socket staying(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  {
    UdpSendBatch::Scope scope;
    ASSERT_TRUE(UdpSendBatch::queue(closing.native_handle(), receiver.socket.local_endpoint(), bytes_of("gone"), {}));
    ASSERT_TRUE(UdpSendBatch::queue(staying.native_handle(), receiver.socket.local_endpoint(), bytes_of("kept"), {}));
    UdpSendBatch::forget(closing.native_handle());
    closing.close();
  }
  EXPECT_EQ(receiver.drain(), std::vector<std::string>{"kept"});
}

TEST(UdpSendBatch, AFullBatchIsSentEarlyAndOversizedDatagramsAreNotQueued) {
  asio::io_context io;
  Receiver receiver(io);
  udp::socket sender(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string datagram(1200, 'p');
  const std::size_t fits = UdpSendBatch::kCapacityBytes / datagram.size();
  std::uint64_t packets = 0;  // sent; the receiver's buffer may well drop some of them
  {
    UdpSendBatch::Scope scope;
    for (std::size_t i = 0; i <= fits; ++i) {
      ASSERT_TRUE(UdpSendBatch::queue(sender.native_handle(), receiver.socket.local_endpoint(), bytes_of(datagram),
                                      {nullptr, &packets}));
    }
    EXPECT_GT(packets, 0u);  // the batch filled up and went out before the scope closed
    EXPECT_FALSE(UdpSendBatch::queue(sender.native_handle(), receiver.socket.local_endpoint(),
                                     bytes_of(std::string(UdpSendBatch::kMaxDatagram + 1, 'x')), {}));
  }
  EXPECT_EQ(packets, fits + 1);
  EXPECT_FALSE(receiver.drain().empty());
}

// A datagram written into the batch's next place is queued where it is (no copy), in order with
// copied ones; a slot that is no longer the next place (something was queued since) is refused.
TEST(UdpSendBatch, ASlotIsSentFromWhereItWasWritten) {
  asio::io_context io;
  Receiver receiver(io);
  udp::socket sender(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::uint64_t bytes = 0, packets = 0;
  const UdpSendCounters counters{&bytes, &packets};
  const auto to = receiver.socket.local_endpoint();

  EXPECT_TRUE(UdpSendBatch::slot().empty()) << "no scope, no batch";
  {
    UdpSendBatch::Scope scope;
    ASSERT_TRUE(UdpSendBatch::queue(sender.native_handle(), to, bytes_of("copied"), counters));
    auto slot = UdpSendBatch::slot();
    ASSERT_EQ(slot.size(), UdpSendBatch::kMaxDatagram);
    std::memcpy(slot.data(), "in place", 8);
    ASSERT_TRUE(UdpSendBatch::commit_slot(slot.first(8), sender.native_handle(), to, counters));

    auto stale = UdpSendBatch::slot();
    std::memcpy(stale.data(), "stale", 5);
    ASSERT_TRUE(UdpSendBatch::queue(sender.native_handle(), to, bytes_of("after"), counters));
    EXPECT_FALSE(UdpSendBatch::commit_slot(stale.first(5), sender.native_handle(), to, counters));
    EXPECT_FALSE(UdpSendBatch::commit_slot(slot.first(8), sender.native_handle(), to, counters)) << "already queued";
  }
  EXPECT_EQ(receiver.drain(), (std::vector<std::string>{"copied", "in place", "after"}));
  EXPECT_EQ(packets, 3u);
  EXPECT_EQ(bytes, 6u + 8u + 5u);
}

}  // namespace
}  // namespace shoal::webrtc
