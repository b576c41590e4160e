#include "core/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <thread>

namespace shoal::core {
namespace {

TEST(SpscRing, HandsSlotsOverInOrderAndRefusesWhenFull) {
  SpscRing<int> ring(3);
  EXPECT_EQ(ring.capacity(), 4u);
  EXPECT_EQ(ring.front(), nullptr);
  for (int i = 0; i < 4; ++i) {
    int* slot = ring.claim();
    ASSERT_NE(slot, nullptr);
    *slot = i;
    ring.publish();
  }
  EXPECT_EQ(ring.claim(), nullptr);  // full: the producer drops
  for (int i = 0; i < 4; ++i) {
    int* slot = ring.front();
    ASSERT_NE(slot, nullptr);
    EXPECT_EQ(*slot, i);
    ring.pop();
  }
  EXPECT_EQ(ring.front(), nullptr);
  // Around the end of the storage, many times.
  for (int i = 0; i < 1000; ++i) {
    *ring.claim() = i;
    ring.publish();
    ASSERT_EQ(*ring.front(), i);
    ring.pop();
  }
}

TEST(SpscRing, AClaimIsInvisibleUntilPublished) {
  SpscRing<int> ring(2);
  int* slot = ring.claim();
  *slot = 7;
  EXPECT_EQ(ring.front(), nullptr);
  EXPECT_EQ(ring.claim(), slot);  // claimed again: the same slot
  ring.publish();
  EXPECT_EQ(*ring.front(), 7);
}

// Two threads, a small ring, payloads written in place: every item arrives once, in order,
// intact. Bounded: a fixed count, and a deadline on both loops.
TEST(SpscRing, TwoThreadsLoseNothingAndKeepOrder) {
  struct Packet {
    std::uint64_t sequence;
    std::array<std::uint64_t, 8> payload;
  };
  SpscRing<Packet> ring(64);
  constexpr std::uint64_t kCount = 200'000;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount && std::chrono::steady_clock::now() < deadline;) {
      Packet* slot = ring.claim();
      if (slot == nullptr) {
        std::this_thread::yield();
        continue;
      }
      slot->sequence = i;
      slot->payload.fill(i * 31);
      ring.publish();
      ++i;
    }
  });
  std::uint64_t expected = 0;
  bool intact = true;
  while (expected < kCount && std::chrono::steady_clock::now() < deadline) {
    Packet* slot = ring.front();
    if (slot == nullptr) {
      std::this_thread::yield();
      continue;
    }
    intact &= slot->sequence == expected;
    for (auto word : slot->payload) intact &= word == expected * 31;
    ring.pop();
    ++expected;
  }
  producer.join();
  EXPECT_EQ(expected, kCount);
  EXPECT_TRUE(intact);
}

}  // namespace
}  // namespace shoal::core
