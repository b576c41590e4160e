#pragma once
// Receiver-side loss tracking for one inbound stream: which sequence numbers to request with a
// Generic NACK. Gaps are remembered when a newer packet arrives; a late (reordered or
// retransmitted) packet clears its entry. Each missing packet is requested at most max_retries
// times, no more often than retry_interval, and forgotten max_age after it went missing.
// Bounded: at most kCapacity outstanding entries, fixed storage, no allocation.
#include "core/time.hpp"
#include "rtc/rtp/sequence_number.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace shoal::rtc::rtp {

class NackGenerator {
 public:
  static constexpr std::size_t kCapacity = 256;

  struct Config {
    int max_retries = 10;
    std::chrono::milliseconds max_age{1000};
    std::chrono::milliseconds retry_interval{100};  // roughly one RTT; see set_retry_interval
    std::chrono::milliseconds first_request_delay{0};  // > 0 tolerates mild reordering before the 1st NACK
  };

  NackGenerator() = default;
  explicit NackGenerator(Config config) : config_(config) {}

  void on_packet(std::uint16_t seq, core::Time now);

  // Writes the sequence numbers due for a request now into `out` (oldest first, the order
  // Generic NACK packing wants) and counts the request against each. Expired entries are dropped
  // first. Returns how many were written; entries that did not fit stay due for the next call.
  std::size_t collect(core::Time now, std::span<std::uint16_t> out);

  // True once after losses NACK cannot repair (a gap larger than kCapacity, or entries pushed out
  // by newer losses): the caller should ask for a keyframe (PLI) instead.
  bool take_keyframe_request();

  void set_retry_interval(std::chrono::milliseconds interval) { config_.retry_interval = interval; }
  std::size_t missing_count() const { return count_; }
  void reset();

 private:
  struct Entry {
    std::int64_t seq = 0;  // unwrapped
    core::Time missing_since;
    core::Time last_sent;  // meaningful once retries > 0
    int retries = 0;
  };

  void add_missing(std::int64_t seq, core::Time now);
  void remove_at(std::size_t index);

  Config config_{};
  SequenceUnwrapper unwrapper_;
  bool started_ = false;
  std::int64_t highest_ = 0;
  std::array<Entry, kCapacity> entries_{};  // ascending by seq
  std::size_t count_ = 0;
  bool keyframe_request_ = false;
};

}  // namespace shoal::rtc::rtp
