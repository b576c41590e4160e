// The server's SRTP (its own, over OpenSSL's ciphers) against libsrtp2, which the test peers use as
// browsers do: each DTLS-SRTP profile, negotiated alone, carries RTP publisher -> server -> subscriber
// across the 16-bit sequence number wrap (so both sides must agree on the rollover counter), and
// SRTCP both ways (a subscriber's keyframe request reaches the publisher as the server's own).
#include "harness.hpp"
#include "media_peer.hpp"

#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/receiver_report.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

struct ProfileCase {
  const char* name;
  const char* openssl_profiles;
  const char* turn_ports;
};

class MediaSrtp : public ::testing::TestWithParam<ProfileCase> {};

bool is_pli_for(const Bytes& rtcp, std::uint32_t media_ssrc) {
  auto compound = rtc::rtcp::RtcpCompound::parse(rtcp);
  if (!compound) return false;
  for (const auto& view : *compound) {
    auto pli = rtc::rtcp::PictureLossIndication::parse(view);
    if (pli && pli->media_ssrc() == media_ssrc) return true;
  }
  return false;
}

TEST_P(MediaSrtp, ProfileCarriesRtpAcrossTheSequenceWrapAndRtcpBothWays) {
  ShoalProcess shoal{{{"JF_WEBRTC_TURN_PORT_RANGE", GetParam().turn_ports}}};
  ForwardingRoom r(shoal, GetParam().openssl_profiles);

  std::uint32_t output_ssrc = 0;
  // 50 at a time (the test peer's socket buffer holds about 100), from 100 before the wrap to 100 after.
  // The server keeps a lone stream's numbering, so its output wraps too: the subscriber's rollover
  // counter must follow the server's.
  std::size_t received = 0;
  bool output_wrapped = false;
  for (int batch = 0; batch < 4; ++batch) {
    auto got = r.forward_packets(static_cast<std::uint16_t>(65436 + 50 * batch), 50, &output_ssrc);
    received += got.size();
    if (batch == 3 && !got.empty() && got.rbegin()->first < 1000) output_wrapped = true;
  }
  EXPECT_EQ(received, 200u) << shoal.output();
  EXPECT_TRUE(output_wrapped);

  Bytes request(64);
  std::size_t length = *rtc::rtcp::write_receiver_report(request, 0xABCD, {});
  auto pli = rtc::rtcp::write_pli(std::span(request).subspan(length), 0xABCD, output_ssrc);
  ASSERT_TRUE(pli);
  request.resize(length + *pli);

  bool publisher_asked = false;
  for (int attempt = 0; attempt < 5 && !publisher_asked; ++attempt) {
    ASSERT_TRUE(r.subscriber->send_rtcp(request));
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    while (!publisher_asked && std::chrono::steady_clock::now() < deadline) {
      auto packet = r.publisher->receive(200ms);
      if (packet && packet->rtcp && is_pli_for(packet->bytes, ForwardingRoom::kSsrc)) publisher_asked = true;
    }
  }
  EXPECT_TRUE(publisher_asked) << "the subscriber's SRTCP keyframe request reached the publisher\n" << shoal.output();
  EXPECT_TRUE(shoal.running());
}

INSTANTIATE_TEST_SUITE_P(Profiles, MediaSrtp,
                         ::testing::Values(ProfileCase{"AeadAes128Gcm", "SRTP_AEAD_AES_128_GCM", "42800-42899"},
                                           ProfileCase{"Aes128CmSha1_80", "SRTP_AES128_CM_SHA1_80", "42900-42999"}),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

}  // namespace
}  // namespace shoal::test
