#include "media/receive_stream.hpp"

namespace shoal::media {

void ReceiveStream::bind(std::uint32_t ssrc, std::uint32_t clock_rate) {
  ssrc_ = ssrc;
  statistics_ = rtc::rtp::ReceiveStatistics(clock_rate);
  nacks_.reset();
}

ReceiveStream::Arrival ReceiveStream::on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, std::size_t bytes,
                                                core::Time now, bool retransmitted, bool track_losses) {
  bytes_ += bytes;
  last_packet_ = now;
  Arrival arrival;
  bool repaired = false;
  if (track_losses) {
    const std::size_t missing = nacks_.missing_count();
    nacks_.on_packet(seq, now);
    repaired = nacks_.missing_count() < missing;
    arrival.nack_due = nacks_.missing_count() > 0 && (!last_nack_ || now - *last_nack_ >= kNackInterval);
    arrival.keyframe_needed = nacks_.take_keyframe_request();
  }
  if (retransmitted && !repaired) return arrival;
  arrival.fresh = true;
  statistics_.on_packet(seq, rtp_timestamp, now, retransmitted);
  return arrival;
}

void ReceiveStream::on_relayed_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, std::size_t bytes,
                                      core::Time now, bool retransmitted) {
  bytes_ += bytes;
  last_packet_ = now;
  statistics_.on_packet(seq, rtp_timestamp, now, retransmitted);
}

std::size_t ReceiveStream::collect_nacks(core::Time now, std::span<std::uint16_t> out) {
  const std::size_t count = nacks_.collect(now, out);
  if (count > 0) last_nack_ = now;
  return count;
}

bool ReceiveStream::mark_active() {
  if (active_) return false;
  active_ = true;
  return true;
}

bool ReceiveStream::expire(core::Time now, core::Duration window) {
  // A stream that never had a packet counts as silent.
  if (!active_ || (last_packet_ && now - *last_packet_ <= window)) return false;
  active_ = false;
  return true;
}

void ReceiveStream::update_rate(double window_seconds) {
  const std::uint64_t delta = bytes_ - bytes_at_last_rate_;
  bytes_at_last_rate_ = bytes_;
  if (delta == 0 || window_seconds <= 0) return;
  const double rate = static_cast<double>(delta) * 8.0 / window_seconds;
  bitrate_bps_ = bitrate_bps_ == 0 ? rate : 0.5 * bitrate_bps_ + 0.5 * rate;
}

}  // namespace shoal::media
