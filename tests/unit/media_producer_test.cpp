#include "media/producer.hpp"
#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtp_packet_builder.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace shoal::media {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::int64_t kStartUs = 7'000'000;
constexpr std::int64_t kStartMs = kStartUs / 1000;

// The publisher's side of the feedback: what the producer sent it.
class RecordingPublisher final : public PublisherLink {
 public:
  bool ready = true;
  std::vector<Bytes> sent;

  bool feedback_ready() const override { return ready; }
  void send_feedback(std::span<std::uint8_t> buffer, std::size_t length) override {
    sent.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(length));
  }

  std::vector<std::uint32_t> plis() const {
    std::vector<std::uint32_t> ssrcs;
    for (const auto& packet : sent) {
      auto compound = rtc::rtcp::RtcpCompound::parse(packet);
      if (!compound) continue;
      for (const auto& view : *compound) {
        if (auto pli = rtc::rtcp::PictureLossIndication::parse(view)) ssrcs.push_back(pli->media_ssrc());
      }
    }
    return ssrcs;
  }
  // (media SSRC, lost sequence numbers) of every NACK sent.
  std::vector<std::pair<std::uint32_t, std::vector<std::uint16_t>>> nacks() const {
    std::vector<std::pair<std::uint32_t, std::vector<std::uint16_t>>> out;
    for (const auto& packet : sent) {
      auto compound = rtc::rtcp::RtcpCompound::parse(packet);
      if (!compound) continue;
      for (const auto& view : *compound) {
        auto nack = rtc::rtcp::GenericNack::parse(view);
        if (!nack) continue;
        std::array<std::uint16_t, 64> lost{};
        const std::size_t count = nack->lost_sequence_numbers(lost);
        out.emplace_back(nack->media_ssrc(), std::vector<std::uint16_t>(lost.begin(), lost.begin() + count));
      }
    }
    return out;
  }
};

TrackDescription video_track(std::string codec = "VP8") {
  TrackDescription track;
  track.id = "track-1";
  track.owner_id = "peer-1";
  track.kind = rtc::sdp::MediaKind::Video;
  track.codec_name = std::move(codec);
  track.ssrcs = {0xAAAA};
  return track;
}

Producer::Ingest receive(Producer& producer, std::uint16_t seq, std::int64_t at_us, Bytes payload = {0x00, 0x01},
                         bool retransmitted = false) {
  Bytes bytes = testing::build_rtp({.sequence_number = seq, .ssrc = 0xAAAA, .payload = std::move(payload)});
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  return producer.receive(0, *packet, retransmitted, core::at_us(at_us));
}

TEST(Codec, NamesAreMatchedCaseInsensitively) {
  EXPECT_EQ(codec_from_name("VP8"), Codec::Vp8);
  EXPECT_EQ(codec_from_name("vp8"), Codec::Vp8);
  EXPECT_EQ(codec_from_name("H264"), Codec::H264);
  EXPECT_EQ(codec_from_name("opus"), Codec::Opus);
  EXPECT_EQ(codec_from_name("OPUS"), Codec::Opus);
  EXPECT_EQ(codec_from_name("VP9"), Codec::Other);
  EXPECT_EQ(codec_from_name(""), Codec::Other);
}

TEST(Producer, KeyframesAreRecognisedByTheTracksCodec) {
  RecordingPublisher publisher;
  Producer vp8(video_track("VP8"), nullptr, publisher);
  vp8.stream(0).bind(0xAAAA, 90000);
  EXPECT_TRUE(receive(vp8, 1, kStartUs, {0x10, 0x00}).keyframe);   // S=1, PID=0, P=0
  EXPECT_FALSE(receive(vp8, 2, kStartUs, {0x10, 0x01}).keyframe);  // P=1: inter frame
  Producer other(video_track("VP9"), nullptr, publisher);
  other.stream(0).bind(0xAAAA, 90000);
  EXPECT_TRUE(receive(other, 1, kStartUs, {0x10, 0x01}).keyframe);  // cannot inspect: every packet
}

TEST(Producer, LossSendsOneNackToThePublisher) {
  RecordingPublisher publisher;
  Producer producer(video_track(), nullptr, publisher);
  producer.stream(0).bind(0xAAAA, 90000);
  receive(producer, 10, kStartUs);
  receive(producer, 13, kStartUs + 1000);
  receive(producer, 14, kStartUs + 2000);  // within the NACK interval: nothing more
  const auto nacks = publisher.nacks();
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(nacks[0].first, 0xAAAAu);
  EXPECT_EQ(nacks[0].second, (std::vector<std::uint16_t>{11, 12}));
  // The retransmission is forwarded; a second copy of it is not.
  EXPECT_TRUE(receive(producer, 11, kStartUs + 30'000, {0x00}, true).forward);
  EXPECT_FALSE(receive(producer, 11, kStartUs + 31'000, {0x00}, true).forward);
}

TEST(Producer, NoFeedbackGoesOutBeforeThePublishersTransportIsUp) {
  RecordingPublisher publisher;
  publisher.ready = false;
  Producer producer(video_track(), nullptr, publisher);
  producer.stream(0).bind(0xAAAA, 90000);
  receive(producer, 10, kStartUs);
  receive(producer, 13, kStartUs);
  producer.request_keyframe(0, core::at_ms(kStartMs));
  EXPECT_TRUE(publisher.sent.empty());
  // The losses stay due, and the keyframe request was not counted as sent.
  publisher.ready = true;
  receive(producer, 14, kStartUs + 25'000);
  producer.request_keyframe(0, core::at_ms(kStartMs + 25));
  ASSERT_EQ(publisher.nacks().size(), 1u);
  EXPECT_EQ(publisher.nacks()[0].second, (std::vector<std::uint16_t>{11, 12}));
  EXPECT_EQ(publisher.plis(), (std::vector<std::uint32_t>{0xAAAA}));
}

TEST(Producer, KeyframeRequestsUseTheSdpSsrcFirstAndAreThrottledUntilAKeyframe) {
  RecordingPublisher publisher;
  Producer producer(video_track(), nullptr, publisher);
  producer.request_keyframe(0, core::at_ms(kStartMs));  // no packet yet: the SSRC from a=ssrc
  producer.request_keyframe(0, core::at_ms(kStartMs + 100));
  EXPECT_EQ(publisher.plis().size(), 1u);
  producer.request_keyframe(0, core::at_ms(kStartMs + ReceiveStream::kKeyframeRetry.count()));
  EXPECT_EQ(publisher.plis().size(), 2u);
  producer.stream(0).bind(0xAAAA, 90000);
  EXPECT_TRUE(receive(producer, 1, (kStartMs + 600) * 1000, {0x10, 0x00}).keyframe);
  producer.request_keyframe(0, core::at_ms(kStartMs + 601));  // answered: a new request goes out at once
  EXPECT_EQ(publisher.plis().size(), 3u);
  producer.request_keyframe(-1, core::at_ms(kStartMs + 2000));
  producer.request_keyframe(Producer::kMaxStreams, core::at_ms(kStartMs + 2000));
  EXPECT_EQ(publisher.plis().size(), 3u);
}

TEST(Producer, AudioAndUnknownStreamsGetNoKeyframeRequests) {
  RecordingPublisher publisher;
  TrackDescription audio = video_track("opus");
  audio.kind = rtc::sdp::MediaKind::Audio;
  Producer producer(audio, nullptr, publisher);
  producer.request_keyframe(0, core::at_ms(kStartMs));
  TrackDescription simulcast = video_track();
  simulcast.rids = {"l", "m", "h"};
  Producer layered(simulcast, nullptr, publisher);
  layered.request_keyframe(2, core::at_ms(kStartMs));  // layer not seen yet: its SSRC is unknown
  EXPECT_TRUE(publisher.sent.empty());
}

TEST(Producer, AGapTooLargeForNacksAsksForAKeyframe) {
  RecordingPublisher publisher;
  Producer producer(video_track(), nullptr, publisher);
  producer.stream(0).bind(0xAAAA, 90000);
  receive(producer, 1, kStartUs);
  receive(producer, 3000, kStartUs + 1000);
  EXPECT_EQ(publisher.plis(), (std::vector<std::uint32_t>{0xAAAA}));
}

TEST(Producer, CountsPacketsActivityAndSenderReports) {
  RecordingPublisher publisher;
  TrackDescription simulcast = video_track();
  simulcast.rids = {"l", "m", "h"};
  Producer producer(simulcast, nullptr, publisher);
  producer.stream(1).bind(0xBBBB, 90000);
  Bytes bytes = testing::build_rtp({.sequence_number = 5, .ssrc = 0xBBBB});
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  EXPECT_TRUE(producer.receive(1, *packet, false, core::at_us(kStartUs)).became_active);
  EXPECT_FALSE(producer.receive(1, *packet, false, core::at_us(kStartUs)).became_active);
  EXPECT_EQ(producer.active_streams(), 0b010);
  EXPECT_EQ(producer.packets(), 2u);
  EXPECT_EQ(producer.bytes(), 2 * bytes.size());
  EXPECT_EQ(producer.on_sender_report(0xBBBB, 1ull << 40, core::at_us(kStartUs)), 1);
  EXPECT_EQ(producer.on_sender_report(0xCCCC, 1ull << 40, core::at_us(kStartUs)), -1);
  EXPECT_EQ(producer.on_sender_report(0, 1ull << 40, core::at_us(kStartUs)), -1);
  EXPECT_FALSE(producer.expire_streams(core::at_ms(kStartMs + 1000), std::chrono::milliseconds{1500}));
  EXPECT_TRUE(producer.expire_streams(core::at_ms(kStartMs + 1501), std::chrono::milliseconds{1500}));
  EXPECT_EQ(producer.active_streams(), 0);
}

}  // namespace
}  // namespace shoal::media
