#include "rtc/rtp/rtp_munger.hpp"

#include <algorithm>

namespace shoal::rtc::rtp {

void RtpMunger::push_epoch(std::int64_t first_in, std::uint16_t seq_offset) {
  if (epoch_count_ == kMaxEpochs) {
    // Forget the oldest offset: packets that late are useless to the subscriber anyway.
    std::move(epochs_.begin() + 1, epochs_.end(), epochs_.begin());
    --epoch_count_;
  }
  epochs_[epoch_count_++] = Epoch{first_in, seq_offset};
}

void RtpMunger::start_source(std::uint16_t seq, std::uint32_t timestamp, core::Time now) {
  std::uint16_t seq_offset = 0;
  ts_offset_ = 0;
  if (has_output_) {
    seq_offset = static_cast<std::uint16_t>(seq - last_out_seq_ - 1);
    // Whole milliseconds of each instant, as the output timestamps have always been computed.
    const auto whole_ms = [](core::Time time) { return std::chrono::time_point_cast<std::chrono::milliseconds>(time); };
    std::int64_t elapsed_ms = std::max<std::int64_t>(0, (whole_ms(now) - whole_ms(last_out_)).count());
    // Cap so a very long pause cannot overflow; 2^31 ticks is hours at 90 kHz anyway.
    elapsed_ms = std::min<std::int64_t>(elapsed_ms, 3'600'000);
    const std::int64_t delta = std::max<std::int64_t>(1, elapsed_ms * clock_rate_ / 1000);
    ts_offset_ = timestamp - last_out_ts_ - static_cast<std::uint32_t>(delta);
  }
  unwrapper_.reset();
  highest_in_ = unwrapper_.unwrap(seq);
  epoch_count_ = 0;
  push_epoch(highest_in_, seq_offset);
  source_started_ = true;
}

std::optional<RtpMunger::Mapped> RtpMunger::map(std::uint16_t seq, std::uint32_t timestamp, core::Time now,
                                                bool switch_source) {
  if (switch_source || !source_started_) {
    start_source(seq, timestamp, now);
  }
  const std::int64_t in = unwrapper_.unwrap(seq);
  const bool newest = in >= highest_in_;
  // Offsets apply from their epoch's first packet on; anything before the oldest kept epoch
  // (in particular before the switch) has no valid mapping.
  const Epoch* epoch = nullptr;
  for (std::size_t i = epoch_count_; i-- > 0;) {
    if (epochs_[i].first_in <= in) {
      epoch = &epochs_[i];
      break;
    }
  }
  if (epoch == nullptr) return std::nullopt;

  Mapped out{static_cast<std::uint16_t>(seq - epoch->seq_offset), timestamp - ts_offset_};
  if (newest) {
    highest_in_ = in;
    has_output_ = true;
    last_out_seq_ = out.sequence_number;
    last_out_ts_ = out.timestamp;
    last_out_ = now;
  }
  return out;
}

bool RtpMunger::rewrite(RtpPacket& packet, core::Time now, bool switch_source) {
  auto mapped = map(packet.sequence_number(), packet.timestamp(), now, switch_source);
  if (!mapped) return false;
  packet.set_sequence_number(mapped->sequence_number);
  packet.set_timestamp(mapped->timestamp);
  return true;
}

std::optional<RtpMunger::Mapped> RtpMunger::next_padding() {
  if (!has_output_ || epoch_count_ == 0) return std::nullopt;
  // Media arriving after the probe must land one output number later: offset - 1.
  Epoch& current = epochs_[epoch_count_ - 1];
  const auto offset = static_cast<std::uint16_t>(current.seq_offset - 1);
  if (current.first_in == highest_in_ + 1) {
    current.seq_offset = offset;  // back-to-back probes share one epoch
  } else {
    push_epoch(highest_in_ + 1, offset);
  }
  last_out_seq_ = static_cast<std::uint16_t>(last_out_seq_ + 1);
  return Mapped{last_out_seq_, last_out_ts_};
}

}  // namespace shoal::rtc::rtp
