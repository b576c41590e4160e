// A room's track fanned out on two loops, in process with two real event loops on two threads:
// the publisher's producer on the home loop, its packets relayed once to the other loop and
// rewritten there for that loop's subscribers; their keyframe requests reach the publisher from
// the home loop. Every wait is bounded.
#include "loop_thread.hpp"
#include "media/consumer.hpp"
#include "media/router.hpp"
#include "relay/track_exports.hpp"
#include "relay/track_imports.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/rtcp_header.hpp"
#include "rtp_packet_builder.hpp"
#include "video_track.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace shoal::media {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;
using testing::LoopThread;
using testing::wait_until;

constexpr std::uint32_t kPublisherSsrc = 0x1111;
constexpr std::uint32_t kKey = 7;  // the track's key on the relay
const Bytes kKeyframe = {0x10, 0x00, 0xAA};  // VP8: S=1, PID=0, P=0
const Bytes kDelta = {0x10, 0x01, 0xBB};

// The publisher's side: the PLIs that reached it, and on which thread.
class RecordingPublisher final : public PublisherLink {
 public:
  bool feedback_ready() const override { return true; }
  void send_feedback(std::span<std::uint8_t> buffer, std::size_t length) override {
    auto compound = rtc::rtcp::RtcpCompound::parse(buffer.first(length));
    if (!compound) return;
    for (const auto& view : *compound) {
      if (view.type != rtc::rtcp::kPayloadFeedback) continue;
      if (auto pli = rtc::rtcp::PictureLossIndication::parse(view)) {
        std::lock_guard lock(mutex);
        plis.push_back(pli->media_ssrc());
        threads.push_back(std::this_thread::get_id());
      }
    }
  }
  std::vector<std::uint32_t> plis_seen() {
    std::lock_guard lock(mutex);
    return plis;
  }
  std::vector<std::thread::id> threads_seen() {
    std::lock_guard lock(mutex);
    return threads;
  }

 private:
  std::mutex mutex;
  std::vector<std::uint32_t> plis;
  std::vector<std::thread::id> threads;
};

// A subscriber on the other loop: what reached it, and on which thread. Touched on that loop
// only; read by the test through LoopThread::run.
class RecordingSubscriber final : public SubscriberLink {
 public:
  std::vector<Bytes> rtp;
  std::vector<std::thread::id> threads;

  bool media_ready() const override { return true; }
  std::span<std::uint8_t> rtp_buffer(std::span<std::uint8_t> scratch) override { return scratch; }
  void number(Consumer&, rtc::rtp::RtpPacket&) override {}
  void send_rtp(std::span<std::uint8_t> packet, std::size_t size) override {
    rtp.emplace_back(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(size));
    threads.push_back(std::this_thread::get_id());
  }
  void send_rtcp(std::span<std::uint8_t>, std::size_t) override {}
  void frame_sent(Consumer&, std::span<std::uint8_t>) override {}
  void layer_switched(Consumer&) override {}
};


Consumer::Negotiated accepted() {
  Consumer::Negotiated negotiated;
  negotiated.payload_type = 100;
  return negotiated;
}

// The room's two halves: the home loop with the publisher's producer, its router and the
// exports; the other loop with the imports, its router and two subscribers.
class RelayedTrackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    relay = LoopRelay::create(home.loop(), remote.loop(), 256);
    ASSERT_TRUE(home.run([&] {
      origin = std::make_unique<Producer>(description, nullptr, publisher);
      for (int i = 0; i < static_cast<int>(std::max<std::size_t>(description.rids.size(), 1)); ++i) {
        origin->stream(i).bind(kPublisherSsrc + static_cast<std::uint32_t>(i), 90000);
      }
      exports = std::make_unique<TrackExports>(relay, home_router);
    }));
    ASSERT_TRUE(remote.run([&] { imports = std::make_unique<TrackImports>(relay, remote_router); }));
  }
  void TearDown() override {
    remote.run([&] {
      consumers.clear();
      imports.reset();
      mirror.reset();
    });
    home.run([&] {
      exports.reset();
      origin.reset();
    });
  }

  // What negotiation does for a subscriber on the other loop: the track exported once, its
  // mirror there, a consumer per subscriber.
  void subscribe_on_remote_loop() {
    ASSERT_TRUE(home.run([&] { exports->add(*origin, kKey); }));
    ASSERT_TRUE(remote.run([&] {
      mirror = std::make_unique<Producer>(description, nullptr, imports->link(kKey));
      imports->attach(kKey, *mirror);
      for (std::size_t i = 0; i < subscribers.size(); ++i) {
        auto& consumer = consumers.emplace_back(std::make_unique<Consumer>(
            std::to_string(i), *mirror, subscribers[i], 0xC0FFEE00 + static_cast<std::uint32_t>(i)));
        consumer->activate(accepted());
        remote_router.subscribe(*consumer);
      }
    }));
  }

  // A packet from the publisher, as the room's loop takes it in.
  void publish(int stream, std::uint16_t seq, std::uint32_t ts, const Bytes& payload) {
    Bytes bytes = testing::build_rtp({.payload_type = 96,
                                      .sequence_number = seq,
                                      .timestamp = ts,
                                      .ssrc = kPublisherSsrc + static_cast<std::uint32_t>(stream),
                                      .marker = true,
                                      .payload = payload});
    home.run([&, bytes]() mutable {
      auto packet = rtc::rtp::RtpPacket::parse(bytes);
      const auto ingest = origin->receive(stream, *packet, false, core::now());
      if (ingest.forward) home_router.route(*origin, stream, *packet, ingest.keyframe, false, core::now(), scratch);
    });
  }

  std::size_t received(std::size_t subscriber) {
    return remote.run([&] { return subscribers[subscriber].rtp.size(); }).value_or(0);
  }

  LoopThread home, remote;
  std::shared_ptr<LoopRelay> relay;
  TrackDescription description = testing::vp8_video_track();
  RecordingPublisher publisher;
  // home loop
  std::unique_ptr<Producer> origin;
  Router home_router;
  std::unique_ptr<TrackExports> exports;
  std::array<std::uint8_t, 1600> scratch{};
  // other loop
  Router remote_router;
  std::unique_ptr<TrackImports> imports;
  std::unique_ptr<Producer> mirror;  // the room's there, made with the imports' link
  std::array<RecordingSubscriber, 2> subscribers;
  std::vector<std::unique_ptr<Consumer>> consumers;
};

TEST_F(RelayedTrackTest, SubscribersOnTheOtherLoopGetEveryPacketFromAKeyframeOnRewrittenThere) {
  subscribe_on_remote_loop();
  // A delta first: the subscribers over there cannot start with it and ask for a keyframe, which
  // reaches the publisher from the home loop.
  publish(0, 100, 1000, kDelta);
  ASSERT_TRUE(wait_until([&] { return !publisher.plis_seen().empty(); }, 5s));
  EXPECT_EQ(publisher.plis_seen().front(), kPublisherSsrc);
  EXPECT_EQ(publisher.threads_seen().front(), home.id());

  publish(0, 101, 4000, kKeyframe);
  for (std::uint16_t seq = 102; seq < 150; ++seq) publish(0, seq, 4000 + 3000u * (seq - 101), kDelta);
  ASSERT_TRUE(wait_until([&] { return received(0) == 49 && received(1) == 49; }, 5s))
      << received(0) << " and " << received(1) << " of 49";

  auto checked = remote.run([&] {
    for (std::size_t s = 0; s < subscribers.size(); ++s) {
      auto& got = subscribers[s].rtp;
      std::uint16_t expected_seq = 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        auto packet = rtc::rtp::RtpPacket::parse(got[i]);
        if (!packet || packet->ssrc() != 0xC0FFEE00 + s || packet->payload_type() != 100) return false;
        if (i > 0 && packet->sequence_number() != static_cast<std::uint16_t>(expected_seq + 1)) return false;
        expected_seq = packet->sequence_number();
        const Bytes& payload = i == 0 ? kKeyframe : kDelta;
        if (!std::equal(payload.begin(), payload.end(), packet->payload().begin())) return false;
        if (subscribers[s].threads[i] != remote.id()) return false;
      }
    }
    return true;
  });
  ASSERT_TRUE(checked);
  EXPECT_TRUE(*checked);
  // Each packet crossed once, whatever the number of subscribers there.
  EXPECT_EQ(home.run([&] { return relay->relayed(); }), 50u);
  EXPECT_EQ(remote.run([&] { return relay->delivered(); }), 50u);
  EXPECT_EQ(remote.run([&] { return imports->unrouted(); }), 0u);
}

class RelayedSimulcastTrackTest : public RelayedTrackTest {
 protected:
  RelayedSimulcastTrackTest() { description = testing::vp8_video_track({"l", "m", "h"}); }
};

// Each subscriber over there picks its own layer from the one relayed copy of all three, and its
// keyframe request names the layer's own SSRC when it reaches the publisher.
TEST_F(RelayedSimulcastTrackTest, EachSubscriberThereGetsItsLayerAndAsksForItsKeyframe) {
  subscribe_on_remote_loop();
  ASSERT_TRUE(remote.run([&] {
    consumers[0]->layers().set_target(2);
    consumers[1]->layers().set_target(0);
    for (auto& consumer : consumers) consumer->layers().set_active_layers(0b111);
  }));
  for (int layer = 0; layer < 3; ++layer) publish(layer, 10, 1000, kDelta);
  // The other loop's media timer asks for what its subscribers wait for (a simulcast consumer
  // drops the other layers' deltas without asking), once the mirror has seen the layers' SSRCs.
  ASSERT_TRUE(wait_until([&] { return remote.run([&] { return relay->delivered(); }) == 3u; }, 5s));
  ASSERT_TRUE(remote.run([&] {
    for (auto& consumer : consumers) {
      if (consumer->needs_keyframe()) consumer->request_keyframe(core::now());
    }
  }));
  ASSERT_TRUE(wait_until([&] { return publisher.plis_seen().size() >= 2; }, 5s));
  auto plis = publisher.plis_seen();
  std::sort(plis.begin(), plis.end());
  plis.erase(std::unique(plis.begin(), plis.end()), plis.end());
  EXPECT_EQ(plis, (std::vector<std::uint32_t>{kPublisherSsrc, kPublisherSsrc + 2}));

  for (int layer = 0; layer < 3; ++layer) publish(layer, 11, 4000, kKeyframe);
  for (std::uint16_t seq = 12; seq < 20; ++seq) {
    for (int layer = 0; layer < 3; ++layer) publish(layer, seq, 4000 + 3000u * (seq - 11), kDelta);
  }
  ASSERT_TRUE(wait_until([&] { return received(0) == 9 && received(1) == 9; }, 5s))
      << received(0) << " and " << received(1) << " of 9";
  // The mirror learnt each layer's SSRC and activity from the relayed packets alone.
  auto mirror_ssrcs = remote.run([&] {
    Producer* found = imports->find(kKey);
    std::vector<std::uint32_t> ssrcs;
    for (int i = 0; found != nullptr && i < 3; ++i) ssrcs.push_back(found->stream(i).ssrc());
    ssrcs.push_back(found != nullptr ? found->active_streams() : 0);
    return ssrcs;
  });
  ASSERT_TRUE(mirror_ssrcs);
  EXPECT_EQ(*mirror_ssrcs,
            (std::vector<std::uint32_t>{kPublisherSsrc, kPublisherSsrc + 1, kPublisherSsrc + 2, 0b111}));
  EXPECT_EQ(home.run([&] { return relay->relayed(); }), 30u);
}

// A track no longer exported stops crossing, and a late keyframe request for it is dropped.
TEST_F(RelayedTrackTest, AnUnexportedTrackStopsCrossingAndLateRequestsFindNothing) {
  subscribe_on_remote_loop();
  publish(0, 1, 1000, kKeyframe);
  ASSERT_TRUE(wait_until([&] { return received(0) == 1; }, 5s));
  EXPECT_EQ(home.run([&] { return exports->key_of(*origin); }), std::optional<std::uint32_t>(kKey));
  ASSERT_TRUE(home.run([&] { exports->remove(*origin); }));
  EXPECT_EQ(home.run([&] { return exports->size(); }), 0u);
  publish(0, 2, 4000, kDelta);
  EXPECT_EQ(home.run([&] { return relay->relayed(); }), 1u);
  // A request the other loop sent before it heard of the removal: nothing reaches the publisher.
  const auto plis_before = publisher.plis_seen().size();
  ASSERT_TRUE(remote.run([&] { relay->request_keyframe(kKey, 0); }));
  ASSERT_TRUE(home.run([] {}));  // the posted request has run
  EXPECT_EQ(publisher.plis_seen().size(), plis_before);
}

}  // namespace
}  // namespace shoal::media
