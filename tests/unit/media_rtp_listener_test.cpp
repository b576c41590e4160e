#include "media/rtp_listener.hpp"
#include "rtp_packet_builder.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace shoal::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

class NoPublisher final : public PublisherLink {
 public:
  bool feedback_ready() const override { return false; }
  void send_feedback(std::span<std::uint8_t>, std::size_t) override {}
};

constexpr int kMidId = 4, kRidId = 10, kRepairedRidId = 11, kTransportCcId = 3;

class RtpListenerTest : public ::testing::Test {
 protected:
  Producer& add_track(const std::string& mid, std::vector<std::string> rids = {},
                      std::vector<std::uint32_t> ssrcs = {}) {
    TrackDescription description;
    description.id = "track-" + mid;
    description.kind = rtc::sdp::MediaKind::Video;
    description.codec_name = "VP8";
    description.rids = std::move(rids);
    description.ssrcs = ssrcs;
    producers.push_back(std::make_unique<Producer>(std::move(description), nullptr, publisher));
    InboundBinding& binding = listener.binding(mid);
    binding.producer = producers.back().get();
    binding.payload_type = 96;
    binding.rtx_payload_type = 97;
    binding.ssrcs = std::move(ssrcs);
    binding.mid_extension_id = kMidId;
    binding.rid_extension_id = kRidId;
    binding.repaired_rid_extension_id = kRepairedRidId;
    binding.transport_cc_extension_id = kTransportCcId;
    listener.rebuild();
    return *producers.back();
  }

  RtpListener::Route route(testing::RtpPacketSpec spec) {
    packets.push_back(testing::build_rtp(spec));
    auto packet = rtc::rtp::RtpPacket::parse(packets.back());
    return packet ? listener.route(*packet) : RtpListener::Route{};
  }

  NoPublisher publisher;
  std::vector<std::unique_ptr<Producer>> producers;
  std::vector<Bytes> packets;
  RtpListener listener;
};

TEST_F(RtpListenerTest, AnSsrcFromTheSdpIsLearnedAndThenFoundDirectly) {
  Producer& track = add_track("0", {}, {0x1111});
  auto first = route({.ssrc = 0x1111});
  EXPECT_EQ(first.producer, &track);
  EXPECT_EQ(first.stream, 0);
  EXPECT_FALSE(first.rtx);
  EXPECT_EQ(track.stream(0).ssrc(), 0x1111u);
  EXPECT_EQ(listener.find(0x1111).producer, &track);
  EXPECT_EQ(route({.ssrc = 0x1111}).producer, &track);
}

TEST_F(RtpListenerTest, AnUnlistedSsrcIsLearnedFromTheMidExtension) {
  Producer& audio = add_track("0");
  Producer& video = add_track("1");
  EXPECT_EQ(route({.ssrc = 0x2222, .extensions = {{kMidId, "1"}}}).producer, &video);
  EXPECT_EQ(route({.ssrc = 0x3333, .extensions = {{kMidId, "0"}}}).producer, &audio);
  // Later packets need no MID.
  EXPECT_EQ(route({.ssrc = 0x2222}).producer, &video);
}

TEST_F(RtpListenerTest, SimulcastLayersAndTheirRetransmissionsAreLearnedFromRids) {
  Producer& track = add_track("0", {"l", "m", "h"});
  auto high = route({.ssrc = 0xA3, .extensions = {{kRidId, "h"}}});
  EXPECT_EQ(high.producer, &track);
  EXPECT_EQ(high.stream, 2);
  auto low = route({.ssrc = 0xA1, .extensions = {{kRidId, "l"}}});
  EXPECT_EQ(low.stream, 0);
  auto low_rtx = route({.payload_type = 97, .ssrc = 0xB1, .extensions = {{kRepairedRidId, "l"}}});
  EXPECT_EQ(low_rtx.producer, &track);
  EXPECT_EQ(low_rtx.stream, 0);
  EXPECT_TRUE(low_rtx.rtx);
  EXPECT_EQ(track.stream(0).rtx_ssrc(), 0xB1u);
  EXPECT_EQ(route({.payload_type = 97, .ssrc = 0xB1}).rtx, true);
  // The RTX payload type with a plain RID, or a RID the track does not have: no match.
  EXPECT_EQ(route({.payload_type = 97, .ssrc = 0xB2, .extensions = {{kRidId, "m"}}}).producer, nullptr);
  EXPECT_EQ(route({.ssrc = 0xA4, .extensions = {{kRidId, "x"}}}).producer, nullptr);
  EXPECT_EQ(track.active_streams(), 0);  // routing does not count packets
}

TEST_F(RtpListenerTest, PacketsOfNoPublishedTrackAreNotRouted) {
  add_track("0", {}, {0x1111});
  EXPECT_EQ(route({.ssrc = 0x9999}).producer, nullptr);
  EXPECT_EQ(route({.ssrc = 0x9999, .extensions = {{kMidId, "7"}}}).producer, nullptr);
  EXPECT_EQ(route({.payload_type = 100, .ssrc = 0x1111}).producer, nullptr);  // a payload type not negotiated
  EXPECT_EQ(route({.ssrc = 0}).producer, nullptr);
  EXPECT_EQ(listener.find(0x9999).producer, nullptr);
  EXPECT_EQ(listener.find(0).producer, nullptr);
}

TEST_F(RtpListenerTest, ALayersNewSsrcReplacesItsOldOne) {
  Producer& track = add_track("0", {"l", "m", "h"});
  route({.ssrc = 0xA1, .extensions = {{kRidId, "m"}}});
  EXPECT_EQ(route({.ssrc = 0xC1, .extensions = {{kRidId, "m"}}}).stream, 1);
  EXPECT_EQ(track.stream(1).ssrc(), 0xC1u);
  EXPECT_EQ(route({.ssrc = 0xA1}).producer, nullptr);
}

TEST_F(RtpListenerTest, RemovedBindingsAreForgottenAndLearnedSsrcsSurviveARebuild) {
  Producer& kept = add_track("0", {}, {0x1111});
  add_track("1", {}, {0x2222});
  route({.ssrc = 0x1111});
  route({.ssrc = 0x2222});
  listener.remove_if([](const InboundBinding& binding) { return binding.mid == "1"; });
  listener.rebuild();
  EXPECT_EQ(listener.find(0x1111).producer, &kept);
  EXPECT_EQ(listener.find(0x2222).producer, nullptr);
  EXPECT_EQ(route({.ssrc = 0x2222}).producer, nullptr);
  EXPECT_EQ(listener.bindings().size(), 1u);
}

TEST_F(RtpListenerTest, TheTransportWideExtensionComesFromTheBindings) {
  EXPECT_EQ(listener.transport_cc_extension_id(), 0);
  add_track("0");
  EXPECT_EQ(listener.transport_cc_extension_id(), kTransportCcId);
}

}  // namespace
}  // namespace shoal::media
