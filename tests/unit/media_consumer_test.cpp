// The per-subscriber half of the packet path, in process: a Producer's packets through a
// Consumer, with real RTP/RTCP bytes and time passed in.
#include "media/consumer.hpp"
#include "media/router.hpp"
#include "rtp_packet_builder.hpp"
#include "video_track.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace shoal::media {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::uint32_t kOurSsrc = 0xC0FFEE;
constexpr int kPublisherTransportCc = 3, kSubscriberTransportCc = 5, kPublisherMid = 4;

class NoPublisher final : public PublisherLink {
 public:
  bool feedback_ready() const override { return true; }
  void send_feedback(std::span<std::uint8_t>, std::size_t) override {}
};

// The subscriber's side: what reached it.
class RecordingSubscriber final : public SubscriberLink {
 public:
  bool ready = true;
  std::uint16_t next_number = 0;
  std::vector<Bytes> rtp;
  std::vector<const Consumer*> frames_ended, switched;

  // A link that sends from a buffer of its own (as a transport sends from its send batch).
  bool own_buffer = false;
  std::array<std::uint8_t, 1600> buffer{};
  std::vector<const std::uint8_t*> sent_from;

  bool media_ready() const override { return ready; }
  std::span<std::uint8_t> rtp_buffer(std::span<std::uint8_t> scratch) override {
    return own_buffer ? std::span<std::uint8_t>(buffer) : scratch;
  }
  void number(Consumer& consumer, rtc::rtp::RtpPacket& packet) override {
    if (const auto id = consumer.transport_cc_extension_id()) packet.set_extension_u16(id, next_number++);
  }
  void send_rtp(std::span<std::uint8_t> packet, std::size_t size) override {
    sent_from.push_back(packet.data());
    rtp.emplace_back(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(size));
  }
  void send_rtcp(std::span<std::uint8_t>, std::size_t) override {}
  void frame_sent(Consumer& consumer, std::span<std::uint8_t>) override { frames_ended.push_back(&consumer); }
  void layer_switched(Consumer& consumer) override { switched.push_back(&consumer); }
};


Consumer::Negotiated accepted() {
  Consumer::Negotiated negotiated;
  negotiated.payload_type = 100;
  negotiated.extension_map[kPublisherTransportCc] = kSubscriberTransportCc;  // the MID is not mapped
  return negotiated;
}

const Bytes kKeyframe = {0x10, 0x00, 0xAA};  // VP8: S=1, PID=0, P=0
const Bytes kDelta = {0x10, 0x01, 0xBB};

class ConsumerTest : public ::testing::Test {
 protected:
  // One packet of `ssrc` through the consumer; what it wrote toward the subscriber, if anything.
  std::optional<Bytes> pass(Consumer& consumer, std::uint32_t ssrc, std::uint16_t seq, std::uint32_t ts,
                            const Bytes& payload, std::int64_t now_ms, bool* wants_keyframe = nullptr) {
    Bytes in = testing::build_rtp({.payload_type = 96,
                                   .sequence_number = seq,
                                   .timestamp = ts,
                                   .ssrc = ssrc,
                                   .extensions = {{kPublisherTransportCc, "\x01\x02"}, {kPublisherMid, "0"}},
                                   .payload = payload});
    auto packet = rtc::rtp::RtpPacket::parse(in);
    const bool keyframe = payload == kKeyframe;
    auto rewritten = consumer.rewrite(*packet, keyframe, core::at_ms(now_ms), out);
    if (wants_keyframe != nullptr) *wants_keyframe = rewritten.wants_keyframe;
    if (!rewritten.packet) return std::nullopt;
    consumer.sent(*rewritten.packet, core::at_ms(now_ms));
    return Bytes(rewritten.packet->bytes().begin(), rewritten.packet->bytes().end());
  }

  static rtc::rtp::RtpPacket parsed(Bytes& bytes) { return *rtc::rtp::RtpPacket::parse(bytes); }

  NoPublisher publisher;
  RecordingSubscriber subscriber;
  std::array<std::uint8_t, 1600> out{};
};

TEST_F(ConsumerTest, StartsAtAKeyframeAndRewritesIntoTheSubscribersNumbering) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  EXPECT_FALSE(consumer.active());
  EXPECT_TRUE(consumer.activate(accepted()));
  EXPECT_FALSE(consumer.activate(accepted()));  // already active
  EXPECT_TRUE(consumer.needs_keyframe());
  EXPECT_EQ(consumer.keyframe_stream(), 0);

  bool wants_keyframe = false;
  EXPECT_FALSE(pass(consumer, 0x1111, 10, 1000, kDelta, 0, &wants_keyframe));
  EXPECT_TRUE(wants_keyframe);
  auto first = pass(consumer, 0x1111, 11, 4000, kKeyframe, 1);
  ASSERT_TRUE(first);
  EXPECT_FALSE(consumer.needs_keyframe());
  auto packet = parsed(*first);
  EXPECT_EQ(packet.ssrc(), kOurSsrc);
  EXPECT_EQ(packet.payload_type(), 100);
  EXPECT_EQ(packet.extension_u16(kSubscriberTransportCc), 0x0102);
  EXPECT_TRUE(packet.extension(kPublisherMid).empty());
  auto second = pass(consumer, 0x1111, 12, 7000, kDelta, 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(parsed(*second).sequence_number(), static_cast<std::uint16_t>(packet.sequence_number() + 1));
  EXPECT_EQ(parsed(*second).timestamp() - packet.timestamp(), 3000u);
  EXPECT_EQ(consumer.packets(), 2u);
  EXPECT_EQ(consumer.bytes(), first->size() + second->size());
  EXPECT_EQ(consumer.transport_cc_extension_id(), 0);  // the producer has not negotiated one
  producer.set_transport_cc_extension_id(kPublisherTransportCc);
  EXPECT_EQ(consumer.transport_cc_extension_id(), kSubscriberTransportCc);
}

// The packet is rewritten straight into the place the subscriber's link sends from (the
// transport's send batch), not into the scratch buffer and copied again.
TEST_F(ConsumerTest, ForwardsIntoTheBufferTheSubscribersLinkSendsFrom) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  ASSERT_TRUE(consumer.activate(accepted()));
  Bytes in = testing::build_rtp({.payload_type = 96, .sequence_number = 5, .timestamp = 90, .ssrc = 0x1111,
                                 .payload = kKeyframe});
  auto packet = rtc::rtp::RtpPacket::parse(in);
  subscriber.own_buffer = true;
  consumer.forward(0, *packet, true, false, core::at_ms(0), out);
  ASSERT_EQ(subscriber.sent_from.size(), 1u);
  EXPECT_EQ(subscriber.sent_from[0], subscriber.buffer.data());
  EXPECT_EQ(parsed(subscriber.rtp[0]).ssrc(), kOurSsrc);

  subscriber.own_buffer = false;
  in = testing::build_rtp({.payload_type = 96, .sequence_number = 6, .timestamp = 90, .ssrc = 0x1111, .payload = kDelta});
  packet = rtc::rtp::RtpPacket::parse(in);
  consumer.forward(0, *packet, false, false, core::at_ms(1), out);
  ASSERT_EQ(subscriber.sent_from.size(), 2u);
  EXPECT_EQ(subscriber.sent_from[1], out.data());
  EXPECT_EQ(parsed(subscriber.rtp[1]).sequence_number(), parsed(subscriber.rtp[0]).sequence_number() + 1);
}

TEST_F(ConsumerTest, SimulcastSwitchesLayersOnlyAtKeyframesAndKeepsTheNumberingContinuous) {
  Producer producer(testing::vp8_video_track({"l", "m", "h"}), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  consumer.activate(accepted());
  consumer.layers().set_active_layers(0b011);  // l and m are sent; the target is m
  EXPECT_EQ(consumer.keyframe_stream(), 1);
  EXPECT_EQ(consumer.select(1, false, false), Consumer::Selection::Drop);
  EXPECT_EQ(consumer.select(0, true, false), Consumer::Selection::Drop);  // not the wanted layer
  EXPECT_EQ(consumer.select(1, true, false), Consumer::Selection::Switch);
  auto m_key = pass(consumer, 0xB1, 500, 90000, kKeyframe, 0);
  ASSERT_TRUE(m_key);
  EXPECT_EQ(consumer.select(1, false, false), Consumer::Selection::Forward);
  auto m_delta = pass(consumer, 0xB1, 501, 93000, kDelta, 33);
  EXPECT_EQ(consumer.select(0, false, false), Consumer::Selection::Drop);

  // Layer m goes away: the subscriber waits for a keyframe of l, getting nothing of l before it.
  consumer.layers().set_active_layers(0b001);
  EXPECT_TRUE(consumer.needs_keyframe());
  EXPECT_EQ(consumer.keyframe_stream(), 0);
  EXPECT_EQ(consumer.select(0, false, false), Consumer::Selection::Drop);
  EXPECT_EQ(consumer.select(0, true, false), Consumer::Selection::Switch);
  auto l_key = pass(consumer, 0xA1, 7000, 5000, kKeyframe, 66);
  ASSERT_TRUE(l_key);
  EXPECT_EQ(consumer.layers().current(), 0);
  EXPECT_EQ(parsed(*l_key).sequence_number(), static_cast<std::uint16_t>(parsed(*m_delta).sequence_number() + 1));
  EXPECT_EQ(parsed(*l_key).ssrc(), kOurSsrc);
  // Retransmissions go through for the layer being forwarded only.
  EXPECT_EQ(consumer.select(0, false, true), Consumer::Selection::Forward);
  EXPECT_EQ(consumer.select(1, false, true), Consumer::Selection::Drop);
}

TEST_F(ConsumerTest, ANackedPacketIsResentOncePerRoundTripAndWithinTheByteBudget) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  consumer.activate(accepted());
  ASSERT_TRUE(consumer.keeps_history());
  auto first = pass(consumer, 0x1111, 1, 0, kKeyframe, 1000);
  ASSERT_TRUE(first);
  const std::uint16_t seq = parsed(*first).sequence_number();
  auto resend = consumer.resend(seq, core::at_ms(1010));
  EXPECT_EQ(Bytes(resend.packet.begin(), resend.packet.end()), *first);
  EXPECT_FALSE(resend.refused);
  auto again = consumer.resend(seq, core::at_ms(1050));  // within the (unmeasured, 100 ms) round trip
  EXPECT_TRUE(again.packet.empty());
  EXPECT_TRUE(again.refused);
  EXPECT_FALSE(consumer.resend(seq, core::at_ms(1111)).packet.empty());
  EXPECT_TRUE(consumer.resend(static_cast<std::uint16_t>(seq + 100), core::at_ms(1200)).packet.empty());  // never sent

  // Big packets spend the credit: it starts at 32 KiB and forwarding earns half its bytes back.
  Bytes big(1200, 0x01);
  big[0] = 0x10;
  std::vector<std::uint16_t> sent;
  for (std::uint16_t i = 0; i < 100; ++i) {
    auto packet = pass(consumer, 0x1111, static_cast<std::uint16_t>(2 + i), 0, big, 2000);
    ASSERT_TRUE(packet);
    sent.push_back(parsed(*packet).sequence_number());
  }
  int resent = 0, refused = 0;
  for (std::uint16_t s : sent) {
    auto r = consumer.resend(s, core::at_ms(2001));
    resent += !r.packet.empty();
    refused += r.refused;
  }
  EXPECT_EQ(resent + refused, 100);
  EXPECT_GT(refused, 0);
  EXPECT_LT(resent, 100);
}

TEST_F(ConsumerTest, SenderReportsAreTranslatedForTheForwardedSourceAndGiveTheRoundTrip) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  consumer.activate(accepted());
  const rtc::rtcp::SenderInfo report{0x1111, 0x0000'1234'5678'0000ull, 4000, 77, 7777};
  EXPECT_FALSE(consumer.translate_sender_report(report, core::at_us(1'000'000)));  // nothing forwarded yet
  auto first = pass(consumer, 0x1111, 11, 4000, kKeyframe, 1);
  ASSERT_TRUE(first);
  auto translated = consumer.translate_sender_report(report, core::at_us(1'000'000));
  ASSERT_TRUE(translated);
  EXPECT_EQ(translated->ssrc, kOurSsrc);
  EXPECT_EQ(translated->ntp_timestamp, report.ntp_timestamp);
  EXPECT_EQ(translated->rtp_timestamp, parsed(*first).timestamp());
  EXPECT_EQ(translated->packet_count, 1u);
  EXPECT_EQ(translated->octet_count, first->size());
  EXPECT_FALSE(consumer.translate_sender_report({0x2222, 1, 1, 1, 1}, core::at_us(1'000'000)));  // another source

  // The subscriber's report on it: 30 ms later, 10 ms of which it held the report.
  rtc::rtcp::ReportBlock block;
  block.ssrc = kOurSsrc;
  block.last_sender_report = static_cast<std::uint32_t>(report.ntp_timestamp >> 16);
  block.delay_since_last_sender_report = 655;  // 10 ms in 1/65536 s
  consumer.on_report_block(block, core::at_us(1'030'000));
  EXPECT_EQ(consumer.rtt_ms(), 20);
  block.last_sender_report = 1;  // about a report we never sent
  consumer.on_report_block(block, core::at_us(1'090'000));
  EXPECT_EQ(consumer.rtt_ms(), 20);
}

TEST_F(ConsumerTest, ADetachedOrInactiveConsumerWantsNothing) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  EXPECT_FALSE(consumer.needs_keyframe());  // not negotiated yet
  consumer.activate(accepted());
  consumer.deactivate();
  EXPECT_FALSE(consumer.needs_keyframe());
  consumer.activate(accepted());
  consumer.detach();
  EXPECT_EQ(consumer.producer(), nullptr);
  EXPECT_FALSE(consumer.active());
  EXPECT_FALSE(consumer.needs_keyframe());
  EXPECT_EQ(consumer.keyframe_stream(), -1);
  EXPECT_EQ(consumer.track_id(), "track-1");
  EXPECT_EQ(consumer.mid(), "1");
}

TEST_F(ConsumerTest, AudioKeepsNoRetransmissionHistory) {
  TrackDescription audio = testing::vp8_video_track();
  audio.kind = rtc::sdp::MediaKind::Audio;
  audio.codec_name = "opus";
  Producer producer(audio, nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  consumer.activate(accepted());
  EXPECT_FALSE(consumer.keeps_history());
  EXPECT_FALSE(consumer.needs_keyframe());
  EXPECT_TRUE(consumer.resend(1, core::at_ms(0)).packet.empty());
}

Bytes packet_of(std::uint32_t ssrc, std::uint16_t seq, const Bytes& payload, bool marker = false) {
  return testing::build_rtp({.payload_type = 96,
                             .sequence_number = seq,
                             .timestamp = seq * 3000u,
                             .ssrc = ssrc,
                             .marker = marker,
                             .extensions = {{kPublisherTransportCc, std::string(2, '\0')}},
                             .payload = payload});
}

// A publisher's packets through a Producer and a Router to two subscribers, one of which has
// no transport yet: the whole packet path of a room, without sockets.
TEST_F(ConsumerTest, ARouterFansAProducersPacketsOutToItsConsumers) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  producer.set_transport_cc_extension_id(kPublisherTransportCc);
  producer.stream(0).bind(0x1111, 90000);
  RecordingSubscriber offline;
  offline.ready = false;
  Consumer first("1", producer, subscriber, kOurSsrc);
  Consumer second("2", producer, offline, kOurSsrc + 1);
  first.activate(accepted());
  second.activate(accepted());
  Router router;
  router.subscribe(first);
  router.subscribe(first);  // once only
  router.subscribe(second);
  EXPECT_EQ(router.subscriptions(), 2u);

  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    Bytes bytes = packet_of(0x1111, seq, seq == 1 ? kKeyframe : kDelta, seq == 3);
    auto packet = rtc::rtp::RtpPacket::parse(bytes);
    const auto ingest = producer.receive(0, *packet, false, core::at_us(1'000'000 + seq * 1000));
    ASSERT_TRUE(ingest.forward);
    router.route(producer, 0, *packet, ingest.keyframe, false, core::at_ms(1000 + seq), out);
  }
  ASSERT_EQ(subscriber.rtp.size(), 3u);
  EXPECT_TRUE(offline.rtp.empty());
  for (std::uint16_t i = 0; i < 3; ++i) {
    auto sent = rtc::rtp::RtpPacket::parse(subscriber.rtp[i]);
    EXPECT_EQ(sent->ssrc(), kOurSsrc);
    EXPECT_EQ(sent->extension_u16(kSubscriberTransportCc), i);  // numbered by the subscriber's link
  }
  EXPECT_EQ(subscriber.frames_ended.size(), 1u);  // after the marker packet
  EXPECT_TRUE(subscriber.switched.empty());

  // The subscriber lost the second packet: it is resent from the history, numbered anew.
  const std::uint16_t lost = rtc::rtp::RtpPacket::parse(subscriber.rtp[1])->sequence_number();
  const std::uint16_t nacked[] = {lost};
  EXPECT_EQ(first.answer_nack(nacked, core::at_ms(1010), out), 0u);
  ASSERT_EQ(subscriber.rtp.size(), 4u);
  auto resent = rtc::rtp::RtpPacket::parse(subscriber.rtp[3]);
  EXPECT_EQ(resent->sequence_number(), lost);
  EXPECT_EQ(resent->extension_u16(kSubscriberTransportCc), 3);
  EXPECT_EQ(first.answer_nack(nacked, core::at_ms(1020), out), 1u);  // again within the round trip: refused
  EXPECT_EQ(second.answer_nack(nacked, core::at_ms(1020), out), 0u);  // no transport: nothing to do

  router.unsubscribe(first);
  router.remove_producer(producer);
  EXPECT_EQ(router.subscriptions(), 0u);
  EXPECT_TRUE(router.consumers(producer).empty());
}

class RecordingSink final : public MediaSink {
 public:
  std::vector<std::pair<int, std::uint16_t>> seen;  // (stream, sequence number)
  void on_media(const Producer&, int stream, const rtc::rtp::RtpPacket& packet) override {
    seen.emplace_back(stream, packet.sequence_number());
  }
};

TEST_F(ConsumerTest, SinksGetEveryNewPacketOnceAndNoRetransmission) {
  Producer producer(testing::vp8_video_track(), nullptr, publisher);
  Router router;
  RecordingSink sink;
  router.attach(sink);
  router.attach(sink);
  Bytes bytes = packet_of(0x1111, 7, kKeyframe);
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  router.route(producer, 0, *packet, true, false, core::at_ms(1), out);  // no consumers: the sink still sees it
  router.route(producer, 0, *packet, false, true, core::at_ms(2), out);  // a retransmission
  EXPECT_EQ(sink.seen, (std::vector<std::pair<int, std::uint16_t>>{{0, 7}}));
  router.detach(sink);
  router.route(producer, 0, *packet, true, false, core::at_ms(3), out);
  EXPECT_EQ(sink.seen.size(), 1u);
}

TEST_F(ConsumerTest, ASwitchOfLayerIsToldToTheSubscriber) {
  Producer producer(testing::vp8_video_track({"l", "m", "h"}), nullptr, publisher);
  Consumer consumer("1", producer, subscriber, kOurSsrc);
  consumer.activate(accepted());
  consumer.layers().set_active_layers(0b010);
  Bytes bytes = packet_of(0xB1, 1, kKeyframe);
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  consumer.forward(1, *packet, true, false, core::at_ms(1), out);
  EXPECT_EQ(subscriber.rtp.size(), 1u);
  EXPECT_EQ(subscriber.switched, (std::vector<const Consumer*>{&consumer}));
}

}  // namespace
}  // namespace shoal::media
