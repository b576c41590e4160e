// The loop hand-off with two real event loops on two threads: what the home loop relays arrives
// on the other loop once, in order and intact; keyframe requests go back to the home loop; a
// full ring drops and counts instead of blocking. Every wait is bounded.
#include "loop_thread.hpp"
#include "relay/loop_relay.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>
#include <vector>

namespace shoal::media {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

std::vector<std::uint8_t> rtp_bytes(std::uint16_t seq, std::size_t payload_size) {
  std::vector<std::uint8_t> out(12 + payload_size);
  out[0] = 0x80;
  out[1] = 96;
  out[2] = static_cast<std::uint8_t>(seq >> 8);
  out[3] = static_cast<std::uint8_t>(seq);
  out[11] = 0x42;
  for (std::size_t i = 12; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(seq + i);
  return out;
}

using testing::LoopThread;
using testing::wait_until;

struct Recorder : RelayReceiver {
  void on_relayed_packet(RelayedPacket& packet) override {
    auto parsed = rtc::rtp::RtpPacket::parse(std::span(packet.bytes.data(), packet.size));
    if (!parsed) {
      intact = false;
      return;
    }
    const std::uint16_t seq = parsed->sequence_number();
    intact &= seq == static_cast<std::uint16_t>(count) && packet.track == 7 && packet.stream == seq % 3 &&
              packet.keyframe == (seq % 50 == 0) && packet.size == 12 + 100 + seq % 900;
    const auto expected = rtp_bytes(seq, 100 + seq % 900);
    intact &= std::equal(expected.begin(), expected.end(), packet.bytes.begin());
    thread = std::this_thread::get_id();
    count.fetch_add(1, std::memory_order_release);
  }
  std::atomic<std::uint32_t> count{0};
  bool intact = true;
  std::thread::id thread;
};

struct KeyframeRequests : RelayUpstream {
  void on_relayed_keyframe_request(std::uint32_t track, int stream) override {
    requests.set_value({track, stream, std::this_thread::get_id()});
  }
  struct Request {
    std::uint32_t track;
    int stream;
    std::thread::id thread;
  };
  std::promise<Request> requests;
};

TEST(LoopRelay, PacketsArriveOnTheOtherLoopOnceInOrderAndIntact) {
  LoopThread home, remote;
  constexpr std::uint32_t kPackets = 20'000;
  auto relay = LoopRelay::create(home.loop(), remote.loop(), 256);
  Recorder recorder;
  std::promise<void> receiver_set;
  asio::post(remote.loop(), [&] {
    relay->set_receiver(&recorder);
    receiver_set.set_value();
  });
  ASSERT_EQ(receiver_set.get_future().wait_for(5s), std::future_status::ready);

  // The home loop sends in bursts of 64 packets, a turn apart, as a room's loop would; a burst
  // that finds the ring full is retried on the next turn (a room would drop it).
  std::atomic<std::uint32_t> sent{0};
  std::uint64_t refused = 0;  // home loop only
  std::function<void()> burst = [&] {
    for (int i = 0; i < 64 && sent < kPackets; ++i) {
      const std::uint32_t seq = sent.load();
      auto bytes = rtp_bytes(static_cast<std::uint16_t>(seq), 100 + seq % 900);
      auto packet = rtc::rtp::RtpPacket::parse(bytes);
      if (!relay->send(7, static_cast<int>(seq % 3), *packet, seq % 50 == 0, false, core::at_ms(1000 + seq))) {
        ++refused;
        break;
      }
      sent.store(seq + 1);
    }
    if (sent < kPackets) asio::post(home.loop(), burst);
  };
  asio::post(home.loop(), burst);
  ASSERT_TRUE(wait_until([&] { return recorder.count.load(std::memory_order_acquire) == kPackets; }, 30s))
      << recorder.count << " of " << kPackets;
  EXPECT_TRUE(recorder.intact);
  EXPECT_EQ(recorder.thread, remote.id());
  // Each packet relayed once; every refusal (a full ring, retried here) counted as a drop.
  std::promise<std::array<std::uint64_t, 3>> counters;
  asio::post(home.loop(), [&] { counters.set_value({relay->relayed(), relay->dropped(), refused}); });
  auto counted = counters.get_future();
  ASSERT_EQ(counted.wait_for(5s), std::future_status::ready);
  const auto [relayed, dropped, refusals] = counted.get();
  EXPECT_EQ(relayed, kPackets);
  EXPECT_EQ(dropped, refusals);
}

TEST(LoopRelay, KeyframeRequestsGoBackToTheHomeLoop) {
  LoopThread home, remote;
  auto relay = LoopRelay::create(home.loop(), remote.loop(), 16);
  KeyframeRequests upstream;
  auto request = upstream.requests.get_future();
  asio::post(home.loop(), [&] { relay->set_upstream(&upstream); });
  asio::post(remote.loop(), [&] { relay->request_keyframe(3, 2); });
  ASSERT_EQ(request.wait_for(5s), std::future_status::ready);
  const auto got = request.get();
  EXPECT_EQ(got.track, 3u);
  EXPECT_EQ(got.stream, 2);
  EXPECT_EQ(got.thread, home.id());
}

// The other loop does not run: the home loop is never held up, the overflow is counted, and what
// fit is delivered once that loop runs.
TEST(LoopRelay, AFullRingDropsAndCountsWithoutBlocking) {
  asio::io_context home, remote;
  auto relay = LoopRelay::create(home, remote, 8);
  Recorder recorder;
  relay->set_receiver(&recorder);
  int accepted = 0;
  for (std::uint16_t seq = 0; seq < 13; ++seq) {
    auto bytes = rtp_bytes(seq, 100 + seq % 900);
    auto packet = rtc::rtp::RtpPacket::parse(bytes);
    accepted += relay->send(7, seq % 3, *packet, seq % 50 == 0, false, core::at_ms(0)) ? 1 : 0;
  }
  EXPECT_EQ(accepted, 8);
  EXPECT_EQ(relay->relayed(), 8u);
  EXPECT_EQ(relay->dropped(), 5u);
  // One wake-up was posted for the whole burst; draining it delivers all 8 in one turn... or in
  // batches of kDrainBatch.
  EXPECT_EQ(remote.poll(), 1u);
  EXPECT_EQ(recorder.count, 8u);
  EXPECT_TRUE(recorder.intact);
  EXPECT_EQ(relay->delivered(), 8u);
  // Too large for a slot: refused and counted too.
  std::vector<std::uint8_t> jumbo = rtp_bytes(8, RelayedPacket::kMaxPacket);
  auto packet = rtc::rtp::RtpPacket::parse(jumbo);
  EXPECT_FALSE(relay->send(7, 0, *packet, false, false, core::at_ms(0)));
  EXPECT_EQ(relay->dropped(), 6u);
}

}  // namespace
}  // namespace shoal::media
