#pragma once
// Receiver side of transport-wide congestion control for one peer transport: remembers when
// each transport-wide sequence number arrived and turns the arrivals not yet reported into
// transport-cc feedback packets. The sender's bandwidth estimator (Chrome's GCC) needs these
// every 50-100 ms. Fixed-size ring, no allocation; arrivals older than the ring are dropped
// unreported, and a packet arriving after its number was reported is ignored.
#include "core/time.hpp"
#include "rtc/rtp/sequence_number.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class TransportCcFeedbackGenerator {
 public:
  static constexpr std::size_t kWindow = 1024;  // power of two
  static constexpr std::chrono::milliseconds kInterval{50};
  static constexpr std::size_t kEagerCount = 200;  // send early when this many wait

  void on_packet(std::uint16_t transport_sequence, std::uint32_t media_ssrc, core::Time arrival);

  // Feedback is due: the interval passed since the last one (or many arrivals wait).
  bool due(core::Time now) const;
  bool pending() const { return started_ && next_to_report_ <= highest_; }

  // Writes one feedback packet for the oldest unreported arrivals (a call reports up to
  // kTransportCcMaxReported of them). nullopt when nothing is pending or out is too small.
  std::optional<std::size_t> write(std::span<std::uint8_t> out, std::uint32_t sender_ssrc, core::Time now);

 private:
  std::int64_t& slot(std::int64_t sequence) { return arrivals_[static_cast<std::size_t>(sequence) & (kWindow - 1)]; }

  rtp::SequenceUnwrapper unwrapper_;
  bool started_ = false;
  std::int64_t next_to_report_ = 0;  // unwrapped
  std::int64_t highest_ = 0;
  std::array<std::int64_t, kWindow> arrivals_{};  // microseconds on the clock, as write_transport_cc takes them
  std::uint32_t media_ssrc_ = 0;
  std::uint8_t feedback_count_ = 0;
  core::Time last_feedback_;  // set by the first arrival
};

}  // namespace shoal::rtc::rtcp
