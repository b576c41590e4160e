#include "rtc/rtcp/transport_cc_feedback_generator.hpp"

#include "rtc/rtcp/transport_cc.hpp"

#include <algorithm>

namespace shoal::rtc::rtcp {

void TransportCcFeedbackGenerator::on_packet(std::uint16_t transport_sequence, std::uint32_t media_ssrc,
                                             core::Time arrival) {
  const std::int64_t sequence = unwrapper_.unwrap(transport_sequence);
  media_ssrc_ = media_ssrc;
  if (!started_) {
    started_ = true;
    next_to_report_ = sequence;
    highest_ = sequence - 1;
    last_feedback_ = arrival;
  }
  if (sequence < next_to_report_) return;  // already reported (as lost): too late to matter
  if (sequence > highest_) {
    // Forget what falls out of the window, then mark the new gap as not received.
    if (sequence - next_to_report_ >= static_cast<std::int64_t>(kWindow)) {
      next_to_report_ = sequence - static_cast<std::int64_t>(kWindow) + 1;
    }
    for (std::int64_t s = std::max(highest_ + 1, next_to_report_); s < sequence; ++s) slot(s) = kNotReceived;
    highest_ = sequence;
  }
  slot(sequence) = arrival.time_since_epoch().count();
}

bool TransportCcFeedbackGenerator::due(core::Time now) const {
  if (!pending()) return false;
  return now - last_feedback_ >= kInterval ||
         highest_ - next_to_report_ + 1 >= static_cast<std::int64_t>(kEagerCount);
}

std::optional<std::size_t> TransportCcFeedbackGenerator::write(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                                               core::Time now) {
  // Feedback starts at a received packet; numbers before it were lost (and stay unreported).
  while (pending() && slot(next_to_report_) == kNotReceived) ++next_to_report_;
  if (!pending()) return std::nullopt;
  std::array<std::int64_t, kTransportCcMaxReported> arrivals{};
  const auto count = static_cast<std::size_t>(
      std::min<std::int64_t>(highest_ - next_to_report_ + 1, static_cast<std::int64_t>(arrivals.size())));
  for (std::size_t i = 0; i < count; ++i) arrivals[i] = slot(next_to_report_ + static_cast<std::int64_t>(i));
  auto written = write_transport_cc(out, sender_ssrc, media_ssrc_, static_cast<std::uint16_t>(next_to_report_),
                                    feedback_count_, std::span(arrivals.data(), count));
  if (!written) return std::nullopt;
  ++feedback_count_;
  next_to_report_ += static_cast<std::int64_t>(written->packets_reported);
  last_feedback_ = now;
  return written->length;
}

}  // namespace shoal::rtc::rtcp
