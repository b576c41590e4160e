#pragma once
// A bounded single-producer/single-consumer ring of preallocated slots: how one event loop hands
// packets to another without locks and without allocating per item (a room's home loop feeding
// the loops that serve more of its subscribers). The producer claims a slot, fills it in place
// and publishes it; the consumer reads the oldest published slot in place and releases it. A
// full ring refuses the claim: the producer drops and counts, as a full socket buffer would, and
// the loop that fell behind recovers as from loss (NACK, keyframe request).
//
// Exactly one thread may act as producer and one as consumer at a time; the acquire/release
// pairs on the two indices order the slot contents between them.
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>

namespace shoal::core {

template <typename Slot>
class SpscRing {
 public:
  // `capacity` is rounded up to a power of two (at least 2).
  explicit SpscRing(std::size_t capacity) : mask_(round_up(capacity) - 1), slots_(new Slot[mask_ + 1]) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  std::size_t capacity() const { return mask_ + 1; }

  // --- producer ---
  // The next free slot to fill, or nullptr when the ring is full. Claiming again before
  // publish() returns the same slot.
  Slot* claim() {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ > mask_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ > mask_) return nullptr;
    }
    return &slots_[head & mask_];
  }
  // Makes the claimed slot visible to the consumer.
  void publish() { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  // --- consumer ---
  // The oldest published slot, or nullptr when there is none.
  Slot* front() {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) return nullptr;
    }
    return &slots_[tail & mask_];
  }
  // Gives the slot front() returned back to the producer.
  void pop() { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

 private:
  static std::size_t round_up(std::size_t capacity) {
    std::size_t size = 2;
    while (size < capacity) size *= 2;
    return size;
  }

  // The indices only grow (wrapping at 2^64 is centuries away at any packet rate); each side
  // keeps a cached copy of the other's so that the shared line is read only when needed.
  static constexpr std::size_t kLine = 64;
  alignas(kLine) std::atomic<std::size_t> head_{0};  // written by the producer
  std::size_t tail_cache_ = 0;                        // producer's view of tail_
  alignas(kLine) std::atomic<std::size_t> tail_{0};  // written by the consumer
  std::size_t head_cache_ = 0;                        // consumer's view of head_
  alignas(kLine) const std::size_t mask_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace shoal::core
