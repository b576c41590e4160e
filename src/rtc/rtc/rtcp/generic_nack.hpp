#pragma once
// Generic NACK, RTPFB FMT 1 (RFC 4585 6.2.1). Each FCI item is PID (a lost seq) and BLP, a
// bitmask of further losses among PID+1..PID+16.
#include "rtc/rtcp/feedback_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class GenericNack {
 public:
  static constexpr std::uint8_t kFormat = 1;
  struct Item {
    std::uint16_t packet_id = 0;
    std::uint16_t lost_bitmask = 0;
    bool operator==(const Item&) const = default;
  };

  static std::optional<GenericNack> parse(const RtcpPacketView& view);

  std::uint32_t sender_ssrc() const { return header_.sender_ssrc; }
  std::uint32_t media_ssrc() const { return header_.media_ssrc; }
  std::size_t item_count() const { return header_.fci.size() / 4; }
  Item item(std::size_t index) const;  // index < item_count()

  // Expands all items into out (in wire order, duplicates possible if the sender repeats);
  // returns how many were written, at most out.size().
  std::size_t lost_sequence_numbers(std::span<std::uint16_t> out) const;

  // Calls f(std::uint16_t seq) for every requested sequence number.
  template <class F>
  void for_each_lost(F&& f) const {
    for (std::size_t i = 0; i < item_count(); ++i) {
      const Item it = item(i);
      f(it.packet_id);
      for (int bit = 0; bit < 16; ++bit) {
        if (it.lost_bitmask & (1u << bit)) f(static_cast<std::uint16_t>(it.packet_id + bit + 1));
      }
    }
  }

 private:
  FeedbackHeader header_;
};

// Packs seqs into PID/BLP items (greedy: a seq within 1..16 after the current PID joins its
// bitmask, otherwise it starts a new item). Ascending (wrap-aware) input, as NackGenerator
// produces, packs tightest and without repeats; any other order still
// covers every seq (some may be requested twice). nullopt when seqs is empty or the
// packet does not fit in out.
std::optional<std::size_t> write_generic_nack(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                              std::uint32_t media_ssrc, std::span<const std::uint16_t> seqs);

}  // namespace shoal::rtc::rtcp
