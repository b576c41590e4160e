#pragma once
// Reception statistics of one inbound RTP stream (one SSRC) for RTCP receiver reports
// (RFC 3550 6.4.1 and appendix A.3/A.8): extended highest sequence number, cumulative and
// interval loss, interarrival jitter, and LSR/DLSR from the sender's last SR so the sender can
// measure the round-trip time. Fixed size, no allocation.
#include "core/time.hpp"
#include "rtc/rtcp/report_block.hpp"
#include "rtc/rtp/sequence_number.hpp"

#include <cstdint>
#include <optional>

namespace shoal::rtc::rtp {

class ReceiveStatistics {
 public:
  explicit ReceiveStatistics(std::uint32_t clock_rate = 90000) : clock_rate_(clock_rate) {}

  // `retransmitted`: a repaired packet (from RTX); counted as received, kept out of the jitter.
  void on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, core::Time arrival, bool retransmitted = false);
  void on_sender_report(std::uint64_t ntp_timestamp, core::Time arrival);

  // The report block for now; starts a new loss interval. nullopt before the first packet.
  std::optional<rtcp::ReportBlock> report(std::uint32_t ssrc, core::Time now);

  bool started() const { return started_; }
  std::uint64_t received() const { return received_; }

 private:
  std::uint32_t clock_rate_;
  SequenceUnwrapper unwrapper_;
  bool started_ = false;
  std::int64_t base_ = 0;     // first unwrapped seq
  std::int64_t highest_ = 0;  // highest unwrapped seq
  std::uint64_t received_ = 0;
  std::int64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
  std::int64_t jitter_q4_ = 0;  // jitter in timestamp units, times 16 (RFC 3550 A.8)
  bool has_transit_ = false;
  std::int64_t last_transit_ = 0;
  std::uint32_t last_timestamp_ = 0;
  std::uint32_t last_sr_ = 0;  // middle 32 bits of the last SR's NTP timestamp
  std::optional<core::Time> last_sr_arrival_;  // none before the first SR
};

}  // namespace shoal::rtc::rtp
