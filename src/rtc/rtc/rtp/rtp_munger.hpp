#pragma once
// Sequence number / timestamp rewriting for one forwarded stream (one subscriber x one track),
// following rtc_engine's RTPMunger:
//   out_seq = in_seq - seq_offset, out_ts = in_ts - ts_offset   (mod 2^16 / 2^32)
// On a source (simulcast variant) switch the offsets are recomputed from the first packet of the
// new source so the subscriber sees one continuous stream:
//   seq_offset = new_seq - last_out_seq - 1
//   ts_offset  = new_ts - last_out_ts - max(1, elapsed_ms * clock_rate / 1000)
// Until the first switch both offsets are 0, so a non-simulcast track passes through unchanged.
// Late packets of the current source are mapped with the offset that was in force when they
// would have been sent; packets older than the switch are dropped. Padding probes consume
// output sequence numbers, which is why the seq offset is kept per "epoch" (bounded ring).
#include "core/time.hpp"
#include "rtc/rtp/rtp_packet.hpp"
#include "rtc/rtp/sequence_number.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal::rtc::rtp {

class RtpMunger {
 public:
  struct Mapped {
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    bool operator==(const Mapped&) const = default;
  };

  explicit RtpMunger(std::uint32_t clock_rate) : clock_rate_(clock_rate) {}

  // Maps one packet of the forwarded source; nullopt = drop it. Pass switch_source = true for the
  // first packet (the keyframe) of a newly selected source.
  std::optional<Mapped> map(std::uint16_t seq, std::uint32_t timestamp, core::Time now,
                            bool switch_source = false);
  // Same, rewriting seq/ts of the packet in place. False = drop (packet left untouched).
  bool rewrite(RtpPacket& packet, core::Time now, bool switch_source = false);

  // Output seq/ts for a padding-only probe sent right after the last forwarded packet: seq
  // continues, ts repeats the last one. nullopt before anything was forwarded.
  std::optional<Mapped> next_padding();

  // The output timestamp an input timestamp of the current source maps to (e.g. to translate the
  // RTP time of a sender report); nullopt before the first packet.
  std::optional<std::uint32_t> output_timestamp(std::uint32_t input_timestamp) const {
    if (!source_started_) return std::nullopt;
    return input_timestamp - ts_offset_;
  }

  bool has_output() const { return has_output_; }
  std::uint16_t last_sequence_number() const { return last_out_seq_; }
  std::uint32_t last_timestamp() const { return last_out_ts_; }

 private:
  static constexpr std::size_t kMaxEpochs = 16;
  struct Epoch {
    std::int64_t first_in = 0;  // unwrapped input seq from which this offset applies
    std::uint16_t seq_offset = 0;
  };

  void start_source(std::uint16_t seq, std::uint32_t timestamp, core::Time now);
  void push_epoch(std::int64_t first_in, std::uint16_t seq_offset);

  std::uint32_t clock_rate_;
  bool has_output_ = false;
  std::uint16_t last_out_seq_ = 0;
  std::uint32_t last_out_ts_ = 0;
  core::Time last_out_;

  bool source_started_ = false;
  SequenceUnwrapper unwrapper_;
  std::int64_t highest_in_ = 0;
  std::uint32_t ts_offset_ = 0;
  std::array<Epoch, kMaxEpochs> epochs_{};
  std::size_t epoch_count_ = 0;
};

}  // namespace shoal::rtc::rtp
