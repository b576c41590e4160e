// What handing a room's packets to another loop costs (media::LoopRelay), next to a floor and a
// yardstick measured in the same run: copying the packet once (the floor: the relay copies each
// packet into its ring slot) and encrypting it for one subscriber (SRTP AES-128-GCM, which the
// room pays per subscriber anyway). The other loop runs on its own thread and parses each
// packet it gets; a full ring makes the sender wait, so the figure is the sustained rate.
#include "relay/loop_relay.hpp"
#include "rtc/srtp/srtp_session.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
constexpr std::size_t kPacket = 1200;

std::vector<std::uint8_t> rtp_packet() {
  std::vector<std::uint8_t> bytes(kPacket + shoal::rtc::srtp::kMaxTrailerLength, 0xab);
  bytes[0] = 0x80;
  bytes[1] = 96;
  bytes[8] = 0x12;
  return bytes;
}

struct CountingReceiver : shoal::media::RelayReceiver {
  void on_relayed_packet(shoal::media::RelayedPacket& packet) override {
    auto parsed = shoal::rtc::rtp::RtpPacket::parse(std::span(packet.bytes.data(), packet.size));
    received.fetch_add(parsed ? 1 : 0, std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> received{0};
};

void BM_LoopRelaySend(benchmark::State& state) {
  asio::io_context home, remote;
  auto guard = asio::make_work_guard(remote);
  // The other loop's CPU time: it blocks (costs nothing) while no packet waits.
  std::atomic<std::int64_t> other_loop_cpu_ns{0};
  std::thread other_loop([&] {
    remote.run();
    timespec cpu{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    other_loop_cpu_ns = std::int64_t{cpu.tv_sec} * 1'000'000'000 + cpu.tv_nsec;
  });
  auto relay = shoal::media::LoopRelay::create(home, remote, static_cast<std::size_t>(state.range(0)));
  CountingReceiver receiver;
  relay->set_receiver(&receiver);
  auto bytes = rtp_packet();
  std::uint16_t seq = 0;
  std::uint64_t waits = 0;
  for (auto _ : state) {
    bytes[2] = static_cast<std::uint8_t>(seq >> 8);
    bytes[3] = static_cast<std::uint8_t>(seq);
    ++seq;
    auto packet = shoal::rtc::rtp::RtpPacket::parse(std::span(bytes.data(), kPacket));
    while (!relay->send(1, 0, *packet, false, false, shoal::core::Time{})) {
      ++waits;
      std::this_thread::yield();
    }
  }
  const std::uint64_t sent = relay->relayed();
  while (receiver.received.load(std::memory_order_relaxed) < sent) std::this_thread::yield();
  guard.reset();
  remote.stop();
  other_loop.join();
  state.counters["full_ring_waits"] = static_cast<double>(waits);
  // Sender CPU per packet is the benchmark's CPU time; this is the other loop's share.
  state.counters["other_loop_cpu_ns_per_packet"] =
      static_cast<double>(other_loop_cpu_ns.load()) / static_cast<double>(std::max<std::uint64_t>(sent, 1));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacket));
}
BENCHMARK(BM_LoopRelaySend)->Arg(256)->Arg(1024)->UseRealTime();

void BM_CopyPacketFloor(benchmark::State& state) {
  auto bytes = rtp_packet();
  std::array<std::uint8_t, kPacket> slot{};
  for (auto _ : state) {
    std::memcpy(slot.data(), bytes.data(), kPacket);
    benchmark::DoNotOptimize(slot.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CopyPacketFloor);

void BM_SrtpProtectPerSubscriber(benchmark::State& state) {
  const auto profile = shoal::rtc::srtp::SrtpProfile::AeadAes128Gcm;
  std::vector<std::uint8_t> key(shoal::rtc::srtp::master_key_salt_length(profile), 7);
  auto session = shoal::rtc::srtp::SrtpSession::create(shoal::rtc::srtp::SrtpSession::Direction::Outbound, profile, key);
  auto bytes = rtp_packet();
  std::uint16_t seq = 0;
  for (auto _ : state) {
    bytes[2] = static_cast<std::uint8_t>(seq >> 8);
    bytes[3] = static_cast<std::uint8_t>(seq);
    ++seq;
    benchmark::DoNotOptimize(session->protect_rtp(bytes, kPacket));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SrtpProtectPerSubscriber);

}  // namespace
