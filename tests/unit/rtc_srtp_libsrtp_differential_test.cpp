// shoal's SRTP against libsrtp2, the reference implementation: the same keys and packets must give the
// same bytes on the wire, each side must read what the other wrote, and both must refuse the same
// tampered, replayed and too-late packets.
#include "libsrtp_reference.hpp"
#include "rtc/srtp/srtp_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace shoal::rtc::srtp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::LibsrtpSession;

Bytes random_bytes(std::mt19937& random, std::size_t n) {
  Bytes out(n);
  for (auto& byte : out) byte = static_cast<std::uint8_t>(random());
  return out;
}

// An RTP packet with a random number of CSRCs, an optional header extension and a random payload.
Bytes random_rtp(std::mt19937& random, std::uint32_t ssrc, std::uint16_t seq) {
  const std::size_t csrcs = random() % 4;
  const bool extension = random() % 2;
  Bytes packet = {static_cast<std::uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs),
                  static_cast<std::uint8_t>(random() % 256 & 0xEF),
                  static_cast<std::uint8_t>(seq >> 8),
                  static_cast<std::uint8_t>(seq),
                  0x01,
                  0x02,
                  0x03,
                  0x04,
                  static_cast<std::uint8_t>(ssrc >> 24),
                  static_cast<std::uint8_t>(ssrc >> 16),
                  static_cast<std::uint8_t>(ssrc >> 8),
                  static_cast<std::uint8_t>(ssrc)};
  Bytes rest = random_bytes(random, 4 * csrcs);
  packet.insert(packet.end(), rest.begin(), rest.end());
  if (extension) {
    const std::size_t words = random() % 4;
    packet.insert(packet.end(), {0xBE, 0xDE, 0x00, static_cast<std::uint8_t>(words)});
    rest = random_bytes(random, 4 * words);
    packet.insert(packet.end(), rest.begin(), rest.end());
  }
  rest = random_bytes(random, random() % 1300);
  packet.insert(packet.end(), rest.begin(), rest.end());
  return packet;
}

Bytes random_rtcp(std::mt19937& random, std::uint32_t ssrc) {
  const std::size_t words = 1 + random() % 40;
  Bytes packet = {0x81, 0xC9, 0x00, static_cast<std::uint8_t>(words), static_cast<std::uint8_t>(ssrc >> 24),
                  static_cast<std::uint8_t>(ssrc >> 16), static_cast<std::uint8_t>(ssrc >> 8),
                  static_cast<std::uint8_t>(ssrc)};
  Bytes body = random_bytes(random, 4 * words - 4);
  packet.insert(packet.end(), body.begin(), body.end());
  return packet;
}

template <typename Session>
std::optional<Bytes> seal(Session& session, const Bytes& plain, bool rtcp) {
  Bytes buffer(plain);
  buffer.resize(plain.size() + kMaxTrailerLength);
  auto length = rtcp ? session.protect_rtcp(buffer, plain.size()) : session.protect_rtp(buffer, plain.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

template <typename Session>
std::optional<Bytes> open(Session& session, const Bytes& sealed, bool rtcp) {
  Bytes buffer(sealed);
  auto length = rtcp ? session.unprotect_rtcp(buffer, buffer.size()) : session.unprotect_rtp(buffer, buffer.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

class SrtpAgainstLibsrtp : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  void SetUp() override {
    Bytes key = random_bytes(random, master_key_salt_length(GetParam()));
    ours_out = SrtpSession::create(SrtpSession::Direction::Outbound, GetParam(), key);
    ours_in = SrtpSession::create(SrtpSession::Direction::Inbound, GetParam(), key);
    theirs_out = LibsrtpSession::create(LibsrtpSession::Direction::Outbound, GetParam(), key);
    theirs_in = LibsrtpSession::create(LibsrtpSession::Direction::Inbound, GetParam(), key);
    ASSERT_TRUE(ours_out && ours_in && theirs_out && theirs_in);
  }

  // Both receivers get `sealed` and must agree on whether it is accepted and on the plaintext.
  void expect_same_verdict(const Bytes& sealed, bool rtcp, std::optional<Bytes> expected_plain) {
    auto ours = open(*ours_in, sealed, rtcp);
    auto theirs = open(*theirs_in, sealed, rtcp);
    EXPECT_EQ(ours.has_value(), theirs.has_value());
    EXPECT_EQ(ours, expected_plain);
    if (ours && theirs) {
      EXPECT_EQ(*ours, *theirs);
    }
  }

  std::mt19937 random{20261205};
  std::optional<SrtpSession> ours_out, ours_in;
  std::optional<LibsrtpSession> theirs_out, theirs_in;
};

TEST_P(SrtpAgainstLibsrtp, SameBytesAcrossSequenceWrapAndSsrcs) {
  const std::uint32_t ssrcs[] = {0x11223344, 0xCAFEBABE, 0x00000001};
  std::uint16_t seq[] = {65000, 100, 40000};
  for (int n = 0; n < 1500; ++n) {
    const int which = n % 3;
    Bytes plain = random_rtp(random, ssrcs[which], seq[which]++);
    auto ours = seal(*ours_out, plain, false);
    auto theirs = seal(*theirs_out, plain, false);
    ASSERT_TRUE(ours && theirs) << n;
    if (*ours != *theirs) {
      std::size_t at = 0;
      while (at < std::min(ours->size(), theirs->size()) && (*ours)[at] == (*theirs)[at]) ++at;
      FAIL() << "packet " << n << " sizes " << ours->size() << "/" << theirs->size() << " plain " << plain.size() << " first diff " << at;
    }
    expect_same_verdict(*ours, false, plain);
  }
  for (int n = 0; n < 200; ++n) {
    Bytes plain = random_rtcp(random, ssrcs[n % 3]);
    auto ours = seal(*ours_out, plain, true);
    auto theirs = seal(*theirs_out, plain, true);
    ASSERT_TRUE(ours && theirs) << n;
    ASSERT_EQ(*ours, *theirs) << "RTCP packet " << n;
    expect_same_verdict(*ours, true, plain);
  }
}

TEST_P(SrtpAgainstLibsrtp, SameVerdictOnReorderingReplaysAndTampering) {
  std::vector<std::pair<Bytes, Bytes>> sent;  // plaintext, protected
  std::uint16_t seq = 65300;
  for (int n = 0; n < 600; ++n) {
    Bytes plain = random_rtp(random, 0x5EED5EED, seq++);
    auto sealed = seal(*ours_out, plain, false);
    ASSERT_TRUE(sealed);
    sent.emplace_back(plain, *sealed);
  }
  // Reordered in blocks of 16 across the wrap, some delivered twice, some tampered with.
  for (std::size_t block = 0; block < sent.size(); block += 16) {
    std::shuffle(sent.begin() + static_cast<std::ptrdiff_t>(block),
                 sent.begin() + static_cast<std::ptrdiff_t>(std::min(block + 16, sent.size())), random);
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& [plain, sealed] = sent[i];
    if (i % 7 == 3) {
      Bytes tampered = sealed;
      tampered[random() % tampered.size()] ^= static_cast<std::uint8_t>(1 + random() % 255);
      expect_same_verdict(tampered, false, std::nullopt);
    }
    expect_same_verdict(sealed, false, plain);
    if (i % 5 == 0) expect_same_verdict(sealed, false, std::nullopt);  // replay
  }
  // Far behind the window: both refuse even though never seen.
  Bytes late = random_rtp(random, 0x5EED5EED, static_cast<std::uint16_t>(seq - 1500));
  auto sealed_late = seal(*theirs_out, late, false);
  ASSERT_TRUE(sealed_late);
  expect_same_verdict(*sealed_late, false, std::nullopt);
}

TEST_P(SrtpAgainstLibsrtp, RtcpReplaysAndTamperingRefusedAlike) {
  std::vector<std::pair<Bytes, Bytes>> sent;
  for (int n = 0; n < 100; ++n) {
    Bytes plain = random_rtcp(random, 0xABCDEF01);
    auto sealed = seal(*theirs_out, plain, true);
    ASSERT_TRUE(sealed);
    sent.emplace_back(plain, *sealed);
  }
  std::shuffle(sent.begin(), sent.begin() + 30, random);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& [plain, sealed] = sent[i];
    Bytes tampered = sealed;
    tampered[random() % tampered.size()] ^= 0x40;
    expect_same_verdict(tampered, true, std::nullopt);
    expect_same_verdict(sealed, true, plain);
    expect_same_verdict(sealed, true, std::nullopt);
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpAgainstLibsrtp,
                         ::testing::Values(SrtpProfile::Aes128CmSha1_80, SrtpProfile::AeadAes128Gcm));

}  // namespace
}  // namespace shoal::rtc::srtp
