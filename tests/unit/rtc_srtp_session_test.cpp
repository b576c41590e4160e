#include "rtc/srtp/srtp_session.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::srtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Known-answer vectors from libSRTP's srtp_validate (test/srtp_driver.c): AES_CM_128_HMAC_SHA1_80,
// SSRC 0xcafebabe, seq 0x1234, ROC 0, first SRTCP index 1.
const Bytes kMasterKeySalt = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
                              0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
const Bytes kRtpPlaintext = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab,
                             0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
const Bytes kSrtpCiphertext = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e,
                               0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d,
                               0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
const Bytes kRtcpPlaintext = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab,
                              0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
const Bytes kSrtcpCiphertext = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b, 0xe4,
                                0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00,
                                0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};

// libSRTP's srtp_validate_gcm vectors (AEAD_AES_128_GCM, same plaintexts). SRTCP puts the E|index word last.
Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}
const Bytes kGcmKeySalt = from_hex("000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab");
const Bytes kGcmSrtpCiphertext = from_hex(
    "800f1234decafbadcafebabe"
    "c5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392");
const Bytes kGcmSrtcpCiphertext = from_hex(
    "81c8000bcafebabe"
    "c98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001");

Bytes key_for(SrtpProfile profile, std::uint8_t seed) {
  Bytes key(master_key_salt_length(profile));
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(seed + i * 7);
  return key;
}

Bytes rtp_packet(std::uint16_t seq, std::size_t payload = 100) {
  Bytes packet = {0x80, 0x60, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq), 0, 0, 0x10, 0,
                  0x11, 0x22, 0x33, 0x44};
  for (std::size_t i = 0; i < payload; ++i) packet.push_back(static_cast<std::uint8_t>(i));
  return packet;
}

Bytes rtcp_receiver_report() { return {0x80, 0xc9, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44}; }

// Protects into an exactly-sized buffer so ASan catches any write past the promised trailer.
std::optional<Bytes> protect(SrtpSession& session, const Bytes& plain, bool rtcp) {
  SrtpProfile profile = session.profile();
  Bytes buffer(plain);
  buffer.resize(plain.size() + (rtcp ? rtcp_trailer_length(profile) : rtp_trailer_length(profile)));
  auto length = rtcp ? session.protect_rtcp(buffer, plain.size()) : session.protect_rtp(buffer, plain.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

std::optional<Bytes> unprotect(SrtpSession& session, const Bytes& cipher, bool rtcp) {
  Bytes buffer(cipher);
  auto length = rtcp ? session.unprotect_rtcp(buffer, buffer.size()) : session.unprotect_rtp(buffer, buffer.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

TEST(SrtpSession, KnownAnswerAesCm128Sha1_80) {
  auto out = SrtpSession::create(SrtpSession::Direction::Outbound, SrtpProfile::Aes128CmSha1_80, kMasterKeySalt);
  auto in = SrtpSession::create(SrtpSession::Direction::Inbound, SrtpProfile::Aes128CmSha1_80, kMasterKeySalt);
  ASSERT_TRUE(out && in);
  EXPECT_EQ(protect(*out, kRtpPlaintext, false), kSrtpCiphertext);
  EXPECT_EQ(protect(*out, kRtcpPlaintext, true), kSrtcpCiphertext);
  EXPECT_EQ(unprotect(*in, kSrtpCiphertext, false), kRtpPlaintext);
  EXPECT_EQ(unprotect(*in, kSrtcpCiphertext, true), kRtcpPlaintext);
}

TEST(SrtpSession, KnownAnswerAeadAes128Gcm) {
  auto out = SrtpSession::create(SrtpSession::Direction::Outbound, SrtpProfile::AeadAes128Gcm, kGcmKeySalt);
  auto in = SrtpSession::create(SrtpSession::Direction::Inbound, SrtpProfile::AeadAes128Gcm, kGcmKeySalt);
  ASSERT_TRUE(out && in);
  Bytes rtp_plain(kRtpPlaintext.begin(), kRtpPlaintext.begin() + 12 + 16);
  Bytes rtcp_plain(kRtcpPlaintext.begin(), kRtcpPlaintext.begin() + 8 + 16);
  EXPECT_EQ(protect(*out, rtp_plain, false), kGcmSrtpCiphertext);
  EXPECT_EQ(protect(*out, rtcp_plain, true), kGcmSrtcpCiphertext);
  EXPECT_EQ(unprotect(*in, kGcmSrtpCiphertext, false), rtp_plain);
  EXPECT_EQ(unprotect(*in, kGcmSrtcpCiphertext, true), rtcp_plain);
}

class SrtpRoundTrip : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  void SetUp() override {
    auto key = key_for(GetParam(), 3);
    auto o = SrtpSession::create(SrtpSession::Direction::Outbound, GetParam(), key);
    auto i = SrtpSession::create(SrtpSession::Direction::Inbound, GetParam(), key);
    ASSERT_TRUE(o && i);
    out.emplace(std::move(*o));
    in.emplace(std::move(*i));
  }
  std::optional<SrtpSession> out;
  std::optional<SrtpSession> in;
};

TEST_P(SrtpRoundTrip, RtpAndRtcp) {
  for (std::uint16_t seq = 1; seq < 50; ++seq) {
    auto plain = rtp_packet(seq);
    auto cipher = protect(*out, plain, false);
    ASSERT_TRUE(cipher);
    EXPECT_EQ(cipher->size(), plain.size() + rtp_trailer_length(GetParam()));
    EXPECT_NE(*cipher, plain);
    EXPECT_EQ(unprotect(*in, *cipher, false), plain);
  }
  for (int n = 0; n < 5; ++n) {
    auto plain = rtcp_receiver_report();
    auto cipher = protect(*out, plain, true);
    ASSERT_TRUE(cipher);
    EXPECT_EQ(cipher->size(), plain.size() + rtcp_trailer_length(GetParam()));
    EXPECT_EQ(unprotect(*in, *cipher, true), plain);
  }
}

Bytes with_ssrc(Bytes packet, std::uint32_t ssrc) {
  for (int i = 0; i < 4; ++i) packet[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return packet;
}

TEST_P(SrtpRoundTrip, InboundKeepsABoundedNumberOfSsrcStreams) {
  const std::size_t cap = SrtpSession::kMaxInboundStreams;
  for (std::uint32_t ssrc = 1; ssrc <= cap + 20; ++ssrc) {
    auto cipher = protect(*out, with_ssrc(rtp_packet(7), ssrc), false);
    ASSERT_TRUE(cipher);
    EXPECT_EQ(unprotect(*in, *cipher, false).has_value(), ssrc <= cap) << "ssrc " << ssrc;
  }
  EXPECT_EQ(in->inbound_streams(), cap);
  EXPECT_EQ(in->refused_ssrc_packets(), 20u);
  // Known SSRCs keep working; a forgotten one frees its place for a new SSRC.
  EXPECT_TRUE(unprotect(*in, *protect(*out, with_ssrc(rtp_packet(8), 5), false), false));
  in->forget_ssrc(5);
  EXPECT_EQ(in->inbound_streams(), cap - 1);
  EXPECT_TRUE(unprotect(*in, *protect(*out, with_ssrc(rtp_packet(9), 1000), false), false));
  EXPECT_FALSE(unprotect(*in, *protect(*out, with_ssrc(rtp_packet(9), 1001), false), false));
  // Packets that fail authentication create nothing.
  auto forged = *protect(*out, with_ssrc(rtp_packet(10), 2), false);
  in->forget_ssrc(2);
  forged.back() ^= 1;
  EXPECT_FALSE(unprotect(*in, forged, false));
  EXPECT_EQ(in->inbound_streams(), cap - 1);
}

TEST_P(SrtpRoundTrip, TamperedPacketsRejected) {
  auto cipher = protect(*out, rtp_packet(7), false);
  ASSERT_TRUE(cipher);
  for (std::size_t i : {std::size_t{3}, std::size_t{20}, cipher->size() - 1}) {
    Bytes bad = *cipher;
    bad[i] ^= 0x01;
    EXPECT_FALSE(unprotect(*in, bad, false)) << "byte " << i;
  }
  auto rtcp = protect(*out, rtcp_receiver_report(), true);
  ASSERT_TRUE(rtcp);
  Bytes bad = *rtcp;
  bad[9] ^= 0x80;
  EXPECT_FALSE(unprotect(*in, bad, true));
  EXPECT_TRUE(unprotect(*in, *cipher, false));  // the genuine packets still pass afterwards
  EXPECT_TRUE(unprotect(*in, *rtcp, true));
}

TEST_P(SrtpRoundTrip, ReplaysRejected) {
  auto cipher = protect(*out, rtp_packet(100), false);
  auto rtcp = protect(*out, rtcp_receiver_report(), true);
  ASSERT_TRUE(cipher && rtcp);
  EXPECT_TRUE(unprotect(*in, *cipher, false));
  EXPECT_FALSE(unprotect(*in, *cipher, false));
  EXPECT_TRUE(unprotect(*in, *rtcp, true));
  EXPECT_FALSE(unprotect(*in, *rtcp, true));
}

TEST_P(SrtpRoundTrip, LateReorderedPacketsInsideWindowAccepted) {
  std::vector<Bytes> sent;
  for (std::uint16_t seq = 1000; seq < 1600; ++seq) sent.push_back(*protect(*out, rtp_packet(seq, 10), false));
  EXPECT_TRUE(unprotect(*in, sent.back(), false));
  EXPECT_TRUE(unprotect(*in, sent[sent.size() - 500], false));  // 500 behind: inside a 1024 window
}

TEST_P(SrtpRoundTrip, OutboundAllowsRetransmissionOfSameSequence) {
  auto plain = rtp_packet(5);
  auto first = protect(*out, plain, false);
  auto again = protect(*out, plain, false);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(*first, *again);
}

TEST_P(SrtpRoundTrip, TruncatedAndMalformedInputRejected) {
  auto cipher = *protect(*out, rtp_packet(9), false);
  for (std::size_t length = 0; length < cipher.size(); ++length) {
    Bytes buffer(cipher.begin(), cipher.begin() + static_cast<long>(length));
    EXPECT_FALSE(in->unprotect_rtp(buffer, buffer.size())) << length;
  }
  auto rtcp = *protect(*out, rtcp_receiver_report(), true);
  for (std::size_t length = 0; length < rtcp.size(); ++length) {
    Bytes buffer(rtcp.begin(), rtcp.begin() + static_cast<long>(length));
    EXPECT_FALSE(in->unprotect_rtcp(buffer, buffer.size())) << length;
  }
  Bytes buffer(64);
  EXPECT_FALSE(in->unprotect_rtp(buffer, 65));  // length beyond the buffer
  Bytes not_rtp = rtp_packet(1);
  not_rtp[0] = 0x40;  // version 1
  not_rtp.resize(not_rtp.size() + kMaxTrailerLength);
  EXPECT_FALSE(out->protect_rtp(not_rtp, not_rtp.size() - kMaxTrailerLength));
  Bytes lying_csrc = rtp_packet(2, 0);
  lying_csrc[0] = 0x8F;  // 15 CSRCs claimed, none present
  lying_csrc.resize(lying_csrc.size() + kMaxTrailerLength);
  EXPECT_FALSE(out->protect_rtp(lying_csrc, 12));
  Bytes lying_extension = rtp_packet(3, 4);
  lying_extension[0] = 0x90;
  lying_extension[14] = 0xFF;  // extension length far beyond the packet
  lying_extension.resize(lying_extension.size() + kMaxTrailerLength);
  EXPECT_FALSE(out->protect_rtp(lying_extension, 16));
}

TEST_P(SrtpRoundTrip, NoRoomForTrailerRejected) {
  Bytes exact = rtp_packet(4);
  EXPECT_FALSE(out->protect_rtp(exact, exact.size()));
  Bytes rtcp = rtcp_receiver_report();
  rtcp.resize(rtcp.size() + rtp_trailer_length(GetParam()));  // forgot the SRTCP index word
  EXPECT_FALSE(out->protect_rtcp(rtcp, 8));
}

TEST_P(SrtpRoundTrip, WrongDirectionRejected) {
  Bytes packet = rtp_packet(1);
  packet.resize(packet.size() + kMaxTrailerLength);
  EXPECT_FALSE(in->protect_rtp(packet, packet.size() - kMaxTrailerLength));
  EXPECT_FALSE(out->unprotect_rtp(packet, packet.size()));
}

TEST_P(SrtpRoundTrip, WrongKeyRejected) {
  auto other = SrtpSession::create(SrtpSession::Direction::Inbound, GetParam(), key_for(GetParam(), 4));
  ASSERT_TRUE(other);
  auto cipher = protect(*out, rtp_packet(1), false);
  EXPECT_FALSE(unprotect(*other, *cipher, false));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpRoundTrip,
                         ::testing::Values(SrtpProfile::Aes128CmSha1_80, SrtpProfile::AeadAes128Gcm));

TEST(SrtpSession, WrongKeyLengthRejected) {
  Bytes key(29);
  EXPECT_FALSE(SrtpSession::create(SrtpSession::Direction::Inbound, SrtpProfile::Aes128CmSha1_80, key));
  EXPECT_FALSE(SrtpSession::create(SrtpSession::Direction::Inbound, SrtpProfile::AeadAes128Gcm, Bytes(30)));
  EXPECT_TRUE(SrtpSession::create(SrtpSession::Direction::Inbound, SrtpProfile::AeadAes128Gcm, Bytes(28)));
}

TEST(SrtpSession, MovedSessionKeepsWorking) {
  auto created = SrtpSession::create(SrtpSession::Direction::Outbound, SrtpProfile::Aes128CmSha1_80, kMasterKeySalt);
  ASSERT_TRUE(created);
  SrtpSession moved = std::move(*created);
  EXPECT_EQ(protect(moved, kRtpPlaintext, false), kSrtpCiphertext);
}

}  // namespace
}  // namespace shoal::rtc::srtp
