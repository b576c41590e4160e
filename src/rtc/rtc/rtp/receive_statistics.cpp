#include "rtc/rtp/receive_statistics.hpp"

#include <algorithm>
#include <cstdlib>

namespace shoal::rtc::rtp {

void ReceiveStatistics::on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, core::Time arrival,
                                  bool retransmitted) {
  const std::int64_t extended = unwrapper_.unwrap(seq);
  ++received_;
  if (!started_) {
    started_ = true;
    base_ = highest_ = extended;
  } else {
    highest_ = std::max(highest_, extended);
  }
  // Jitter once per frame (packets of one frame share a timestamp but leave the pacer spread
  // out), and never from retransmissions, whose delay says nothing about the path.
  if (retransmitted || (has_transit_ && rtp_timestamp == last_timestamp_)) return;
  const std::int64_t arrival_ticks = arrival.time_since_epoch().count() * clock_rate_ / 1'000'000;
  const std::int64_t transit = arrival_ticks - static_cast<std::int64_t>(rtp_timestamp);
  if (has_transit_) {
    // Differences are taken modulo 2^32 so a timestamp wrap is not a jump.
    const auto d = static_cast<std::int32_t>(static_cast<std::uint32_t>(transit - last_transit_));
    jitter_q4_ += std::abs(static_cast<std::int64_t>(d)) - ((jitter_q4_ + 8) >> 4);
  }
  has_transit_ = true;
  last_transit_ = transit;
  last_timestamp_ = rtp_timestamp;
}

void ReceiveStatistics::on_sender_report(std::uint64_t ntp_timestamp, core::Time arrival) {
  last_sr_ = static_cast<std::uint32_t>(ntp_timestamp >> 16);
  last_sr_arrival_ = arrival;
}

std::optional<rtcp::ReportBlock> ReceiveStatistics::report(std::uint32_t ssrc, core::Time now) {
  if (!started_) return std::nullopt;
  rtcp::ReportBlock block;
  block.ssrc = ssrc;
  const std::int64_t expected = highest_ - base_ + 1;
  const std::int64_t lost = expected - static_cast<std::int64_t>(received_);
  block.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7FFFFF));
  const std::int64_t expected_interval = expected - expected_prior_;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  const std::int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected;
  received_prior_ = received_;
  block.fraction_lost = (expected_interval <= 0 || lost_interval <= 0)
                            ? 0
                            : static_cast<std::uint8_t>(std::min<std::int64_t>(255, (lost_interval << 8) / expected_interval));
  block.extended_highest_sequence = static_cast<std::uint32_t>(highest_);
  block.jitter = static_cast<std::uint32_t>(jitter_q4_ >> 4);
  if (last_sr_arrival_) {
    block.last_sender_report = last_sr_;
    // DLSR counts 1/65536 s (RFC 3550 6.4.1).
    const std::chrono::microseconds since_sender_report = std::max(core::Duration{0}, now - *last_sr_arrival_);
    block.delay_since_last_sender_report = static_cast<std::uint32_t>(since_sender_report.count() * 65536 / 1'000'000);
  }
  return block;
}

}  // namespace shoal::rtc::rtp
