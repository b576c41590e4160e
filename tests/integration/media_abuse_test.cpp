// Attacks a subscriber or publisher can mount on the media plane with valid credentials, against
// the real binary over real sockets (tests/integration/media_peer.hpp plays the browser):
// a NACK storm that would multiply a subscriber's downlink, and SRTP from SSRCs nobody announced.
#include "chrome_offer.hpp"
#include "harness.hpp"
#include "media_peer.hpp"

#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/receiver_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

TEST(MediaAbuse, ANackStormIsAnsweredOncePerPacketPerRoundTripAndCounted) {
  ShoalProcess shoal{{{"JF_WEBRTC_TURN_PORT_RANGE", "42000-42099"}}};
  ForwardingRoom r(shoal);

  std::uint32_t output_ssrc = 0;
  auto received = r.forward_packets(100, 64, &output_ssrc);
  ASSERT_EQ(received.size(), 64u) << "media did not flow publisher -> subscriber";
  std::vector<std::uint16_t> all;
  for (const auto& [seq, size] : received) all.push_back(seq);

  // Each datagram holds 15 NACKs for all 64 packets (960 requests); 20 datagrams at once.
  Bytes storm(1400);
  std::size_t length = *rtc::rtcp::write_receiver_report(storm, 0xABCD, {});
  for (int i = 0; i < 15; ++i) {
    auto written = rtc::rtcp::write_generic_nack(std::span(storm).subspan(length), 0xABCD, output_ssrc, all);
    ASSERT_TRUE(written);
    length += *written;
  }
  storm.resize(length);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(r.subscriber->send_rtcp(storm));

  std::size_t resent = 0;
  std::map<std::uint16_t, int> resent_per_seq;
  while (auto packet = r.subscriber->receive(500ms)) {
    if (packet->rtcp) continue;
    ++resent;
    ++resent_per_seq[sequence_number_of(packet->bytes)];
  }
  EXPECT_GT(resent, 0u) << "NACKs are still answered\n" << shoal.output();
  EXPECT_LE(resent, all.size()) << "19,200 requests for 64 packets: each answered at most once within an RTT";
  for (const auto& [seq, times] : resent_per_seq) EXPECT_EQ(times, 1) << "seq " << seq;
  EXPECT_GT(refused_total(shoal.metrics_port(), "nack_retransmission"), 1000.0);
  EXPECT_TRUE(shoal.running()) << shoal.output();
}

TEST(MediaAbuse, SrtpFromEverNewSsrcsIsRefusedBeyondACapAndMediaGoesOn) {
  ShoalProcess shoal{{{"JF_WEBRTC_TURN_PORT_RANGE", "42100-42199"}}};
  ForwardingRoom r(shoal);
  std::uint32_t output_ssrc = 0;
  ASSERT_EQ(r.forward_packets(1, 10, &output_ssrc).size(), 10u);
  const long rss_before = resident_kb(shoal.pid());

  // Authenticated SRTP (the publisher has the keys) from 20,000 SSRCs nobody announced, while
  // the announced one goes on (a stream idle for 5 s may give its place to a new SSRC: on a
  // loaded machine the flood lasts that long).
  constexpr int kFlood = 20'000;
  std::uint16_t announced_seq = 11;
  for (int i = 0; i < kFlood; ++i) {
    r.publisher->send_rtp(vp8_keyframe_packet(0x50000000u + static_cast<std::uint32_t>(i), 1, 0, 96, 200));
    if (i % 500 == 499) {
      r.publisher->send_rtp(vp8_keyframe_packet(ForwardingRoom::kSsrc, announced_seq, 3000u * announced_seq, 96));
      ++announced_seq;
      std::this_thread::sleep_for(5ms);  // stay inside the socket buffers
    }
  }
  // What the subscriber got meanwhile, read away (bounded).
  for (int i = 0; i < 200 && r.subscriber->receive(300ms); ++i) {
  }
  // The flood is processed in order: once a packet sent after it is forwarded, all of it was seen.
  auto after = r.forward_packets(announced_seq, 10, &output_ssrc);
  EXPECT_EQ(after.size(), 10u) << "the announced SSRC keeps flowing";
  const long rss_after = resident_kb(shoal.pid());
  if (memory_is_measurable()) {
    EXPECT_LT(rss_after - rss_before, 4 * 1024) << "kB grown by the flood";
  }
  EXPECT_GT(refused_total(shoal.metrics_port(), "unknown_srtp_ssrc"), kFlood * 0.9);
  EXPECT_TRUE(shoal.running()) << shoal.output();
}

TEST(MediaAbuse, WildcardFeedbackLinesDoNotMultiplyIntoEveryCodec) {
  ShoalProcess shoal;
  auto room = create_room(shoal.port());
  MediaPeer peer(shoal.port(), room);
  ASSERT_FALSE(peer.request_offer_data().is_null());

  // 128 codecs and ~3,000 a=rtcp-fb:* lines in 64 KiB: copied into every codec that would be
  // 400,000 strings per offer.
  std::string section = "m=video 9 UDP/TLS/RTP/SAVPF";
  for (int pt = 0; pt < 128; ++pt) section += " " + std::to_string(pt);
  section += "\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n";
  for (int pt = 0; pt < 128; ++pt) section += "a=rtpmap:" + std::to_string(pt) + " VP8/90000\r\n";
  std::string sdp = chrome::chrome_offer({"0"}, {section});
  for (int i = 0; sdp.size() < 64 * 1024 - 40; ++i) {
    sdp += i % 2 ? "a=rtcp-fb:* nack\r\n" : "a=rtcp-fb:* x-" + std::to_string(i) + "\r\n";
  }
  ASSERT_LE(sdp.size(), 64u * 1024);

  const long peak_before = peak_resident_kb(shoal.pid());
  const json offer = {{"type", "custom"},
                      {"data",
                       {{"type", "sdpOffer"},
                        {"data", {{"sdpOffer", {{"type", "offer"}, {"sdp", sdp}}}, {"midToTrackId", json::object()}}}}}};
  for (int i = 0; i < 3; ++i) peer.socket().send_binary(media_event(offer));
  // Whatever the server answers, it answers in order: the third answer means all were parsed.
  for (int i = 0; i < 3; ++i) {
    auto answer = next_event_of_type(peer.socket(), "custom", 10s);
    ASSERT_EQ(answer["data"].value("type", ""), "sdpAnswer") << answer.dump();
    next_event_of_type(peer.socket(), "custom", 5s);  // its candidate
  }
  if (memory_is_measurable()) {
    EXPECT_LT(peak_resident_kb(shoal.pid()) - peak_before, 8 * 1024) << "kB of peak memory for three offers";
  }
  EXPECT_TRUE(shoal.running()) << shoal.output();
}

TEST(MediaAbuse, SubscriptionsWithoutMediaCostNoRetransmissionMemory) {
  ShoalProcess shoal{{{"JF_WEBRTC_TURN_PORT_RANGE", "42200-42399"}}};
  auto room = create_room(shoal.port());
  MediaPeer publisher(shoal.port(), room);
  std::vector<std::unique_ptr<MediaPeer>> subscribers;
  constexpr int kSubscribers = 8;
  constexpr int kTracks = 60;
  for (int i = 0; i < kSubscribers; ++i) subscribers.push_back(std::make_unique<MediaPeer>(shoal.port(), room));
  const long rss_before = resident_kb(shoal.pid());

  ASSERT_FALSE(publisher.request_offer_data().is_null());
  std::vector<std::string> mids, sections, recv_sections;
  json mid_to_track = json::object();
  for (int t = 0; t < kTracks; ++t) {
    const std::string mid = std::to_string(t);
    mids.push_back(mid);
    sections.push_back(minimal_video_section(mid, "sendonly", 0x22220000u + static_cast<std::uint32_t>(t)));
    recv_sections.push_back(minimal_video_section(mid, "recvonly"));
    mid_to_track[mid] = publisher.id() + ":video-" + mid;
  }
  ASSERT_FALSE(publisher.offer(chrome::chrome_offer(mids, sections), mid_to_track).empty());
  for (auto& subscriber : subscribers) {
    ASSERT_EQ(subscriber->wait_offer_data(), json({{"audio", 0}, {"video", kTracks}}));
    const std::string answer = subscriber->offer(chrome::chrome_offer(mids, recv_sections));
    ASSERT_FALSE(answer.empty());
    EXPECT_EQ(std::count(answer.begin(), answer.end(), '\n') > kTracks, true);
  }
  // 480 forwarded video streams; a retransmission buffer each, allocated up front, was 180 MB.
  const long grown = resident_kb(shoal.pid()) - rss_before;
  if (memory_is_measurable()) {
    EXPECT_LT(grown, 24 * 1024) << "kB for " << kSubscribers * kTracks << " subscriptions without media";
  }
  EXPECT_TRUE(shoal.running()) << shoal.output();
}

}  // namespace
}  // namespace shoal::test
