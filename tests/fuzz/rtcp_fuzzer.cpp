// RTCP arrives from any connected browser: validate the compound, read every typed view, run the
// in-place SSRC rewrite on a copy, and check that NACKs we re-pack from what was requested
// parse back to the same sequence numbers. Transport-cc feedback also drives a bandwidth
// estimator (as from a subscriber), whose estimate must stay a finite rate within its bounds.
#include "rtc/cc/send_side_bandwidth_estimator.hpp"
#include "rtc/rtcp/bye.hpp"
#include "rtc/rtcp/feedback_header.hpp"
#include "rtc/rtcp/full_intra_request.hpp"
#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/receiver_estimated_max_bitrate.hpp"
#include "rtc/rtcp/receiver_report.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/sender_report.hpp"
#include "rtc/rtcp/source_description.hpp"
#include "rtc/rtcp/transport_cc.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace shoal::rtc::rtcp;

namespace {

std::uint64_t g_sink = 0;

void check_estimator(const TransportCc& cc) {
  static shoal::rtc::cc::SendSideBandwidthEstimator estimator;
  static shoal::core::Time now = shoal::core::at_us(1'000'000);
  using Estimator = shoal::rtc::cc::SendSideBandwidthEstimator;
  // Every reported number was "sent", so the feedback is really evaluated.
  const std::size_t count = std::min<std::size_t>(cc.packet_status_count(), 2048);
  for (std::size_t i = 0; i < count; ++i) {
    estimator.on_sent(static_cast<std::uint16_t>(cc.base_sequence_number() + i), 1200,
                     now + std::chrono::microseconds{static_cast<std::int64_t>(i)});
  }
  now += std::chrono::milliseconds{50};
  estimator.on_feedback(cc, now);
  const double estimate = estimator.estimate_bps();
  if (!(estimate >= Estimator::kMinBps && estimate <= Estimator::kMaxBps)) std::abort();
}

void check_nack_round_trip(const GenericNack& nack) {
  std::array<std::uint16_t, 512> seqs{};
  const std::size_t count = nack.lost_sequence_numbers(seqs);
  if (count == 0) return;
  std::array<std::uint8_t, 4096> out{};
  auto size = write_generic_nack(out, 1, 2, std::span(seqs).first(count));
  if (!size) return;
  auto compound = RtcpCompound::parse(std::span(out).first(*size));
  if (!compound) std::abort();
  auto again = GenericNack::parse(*compound->begin());
  if (!again) std::abort();
  std::array<std::uint16_t, 4096> back{};
  const std::size_t back_count = again->lost_sequence_numbers(back);
  std::vector<std::uint16_t> expected(seqs.begin(), seqs.begin() + static_cast<std::ptrdiff_t>(count));
  std::vector<std::uint16_t> got(back.begin(), back.begin() + static_cast<std::ptrdiff_t>(back_count));
  for (auto* v : {&expected, &got}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  if (expected != got) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  std::uint64_t sink = is_rtcp(input);
  auto compound = RtcpCompound::parse(input);
  if (!compound) return 0;
  std::vector<std::uint8_t> copy(data, data + size);
  std::size_t packets = 0;
  for (const auto& view : *compound) {
    ++packets;
    if (view.offset + view.packet.size() > size || view.body.size() + 4 > view.packet.size()) std::abort();
    if (auto sr = SenderReport::parse(view)) {
      sink += sr->sender().ntp_timestamp + sr->sender_ssrc();
      for (std::size_t i = 0; i <= sr->report_count(); ++i) sink += sr->report(i).jitter;
    }
    if (auto rr = ReceiverReport::parse(view)) {
      for (std::size_t i = 0; i <= rr->report_count(); ++i) sink += static_cast<std::uint32_t>(rr->report(i).cumulative_lost);
    }
    if (auto sdes = SourceDescription::parse(view)) {
      std::size_t cursor = 0;
      while (auto cname = sdes->next_cname(cursor)) sink += cname->cname.size() + cname->ssrc;
    }
    if (auto bye = Bye::parse(view)) {
      for (std::size_t i = 0; i <= bye->ssrc_count(); ++i) sink += bye->ssrc(i);
    }
    if (auto fb = FeedbackHeader::parse(view)) sink += fb->media_ssrc + fb->fci.size();
    if (auto nack = GenericNack::parse(view)) {
      sink += nack->item(nack->item_count()).packet_id;
      check_nack_round_trip(*nack);
    }
    if (auto cc = TransportCc::parse(view)) {
      sink += cc->base_sequence_number() + cc->packet_status_count() + static_cast<std::uint32_t>(cc->reference_time()) +
              cc->feedback_packet_count() + cc->status_data().size();
      check_estimator(*cc);
    }
    if (auto pli = PictureLossIndication::parse(view)) sink += pli->media_ssrc();
    if (auto fir = FullIntraRequest::parse(view)) {
      for (std::size_t i = 0; i <= fir->entry_count(); ++i) sink += fir->entry(i).ssrc;
    }
    if (auto remb = ReceiverEstimatedMaxBitrate::parse(view)) {
      sink += remb->bitrate_bps();
      for (std::size_t i = 0; i <= remb->ssrc_count(); ++i) sink += remb->ssrc(i);
    }
    auto packet = std::span(copy).subspan(view.offset, view.packet.size());
    if (rewrite_media_ssrc(packet, 0x12345678) != rewrite_sender_ssrc(packet, 0x9ABCDEF0)) std::abort();
  }
  if (packets != compound->packet_count()) std::abort();
  // SSRC rewrites never change the framing.
  auto rewritten = RtcpCompound::parse(copy);
  if (!rewritten || rewritten->packet_count() != packets) std::abort();
  g_sink += sink;  // keeps the reads from being optimised away
  return 0;
}
