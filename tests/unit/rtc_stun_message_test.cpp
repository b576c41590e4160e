#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/packet_kind.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"

namespace shoal::rtc::stun {
namespace {

using boost::asio::ip::make_address;
using boost::asio::ip::udp;
using Bytes = std::vector<std::uint8_t>;

// RFC 5769 2.1: sample request, short-term credentials.
const Bytes kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
    0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff, 0x80, 0x29, 0x00, 0x08, 0x93, 0x2f,
    0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
    0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
    0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// RFC 5769 2.2: IPv4 response.
const Bytes kIpv4Response = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

// RFC 5769 2.3: IPv6 response.
const Bytes kIpv6Response = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
    0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25,
    0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb,
    0x0b, 0x4c};

// RFC 5769 2.4: request with long-term credentials.
const Bytes kLongTermRequest = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda,
    0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83,
    0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00, 0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39,
    0x6b, 0x39, 0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79,
    0x36, 0x34, 0x73, 0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72,
    0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8, 0xe0, 0x71,
    0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66};

constexpr std::string_view kShortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt";

TEST(RtcStunMessage, Rfc5769SampleRequest) {
  const auto message = StunMessage::parse(kSampleRequest);
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->is(StunMethod::Binding, StunClass::Request));
  EXPECT_EQ(message->message_class(), StunClass::Request);
  EXPECT_EQ(message->method(), 0x001);
  const TransactionId id = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
  EXPECT_EQ(message->transaction_id(), id);
  EXPECT_EQ(message->software(), "STUN test client");
  EXPECT_EQ(message->username(), "evtj:h6vY");
  EXPECT_EQ(message->priority(), 0x6e0001ffu);
  EXPECT_EQ(message->ice_controlled(), 0x932ff9b151263b36ull);
  EXPECT_FALSE(message->ice_controlling());
  EXPECT_FALSE(message->use_candidate());
  EXPECT_TRUE(verify_message_integrity(*message, short_term_key(kShortTermPassword)));
  EXPECT_FALSE(verify_message_integrity(*message, short_term_key("wrong")));
  EXPECT_TRUE(verify_fingerprint(*message));
}

TEST(RtcStunMessage, Rfc5769Ipv4Response) {
  const auto message = StunMessage::parse(kIpv4Response);
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->is(StunMethod::Binding, StunClass::SuccessResponse));
  EXPECT_EQ(message->software(), "test vector");
  EXPECT_EQ(message->xor_mapped_address(), udp::endpoint(make_address("192.0.2.1"), 32853));
  EXPECT_TRUE(verify_message_integrity(*message, short_term_key(kShortTermPassword)));
  EXPECT_TRUE(verify_fingerprint(*message));
}

TEST(RtcStunMessage, Rfc5769Ipv6Response) {
  const auto message = StunMessage::parse(kIpv6Response);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->xor_mapped_address(),
            udp::endpoint(make_address("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
  EXPECT_TRUE(verify_message_integrity(*message, short_term_key(kShortTermPassword)));
  EXPECT_TRUE(verify_fingerprint(*message));
}

TEST(RtcStunMessage, Rfc5769LongTermRequest) {
  const auto message = StunMessage::parse(kLongTermRequest);
  ASSERT_TRUE(message);
  const std::string username = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
  EXPECT_EQ(message->username(), username);
  EXPECT_EQ(message->realm(), "example.org");
  EXPECT_EQ(message->nonce(), "f//499k954d6OL34oL9FSTvy64sA");
  EXPECT_FALSE(message->fingerprint_offset());
  EXPECT_FALSE(verify_fingerprint(*message));
  EXPECT_TRUE(verify_message_integrity(*message, long_term_key(username, "example.org", "TheMatrIX")));
  EXPECT_FALSE(verify_message_integrity(*message, long_term_key(username, "example.org", "thematrix")));
}

TEST(RtcStunMessage, EveryTruncationIsRejected) {
  for (const Bytes* vector : {&kSampleRequest, &kIpv4Response, &kIpv6Response, &kLongTermRequest}) {
    for (std::size_t n = 0; n < vector->size(); ++n) {
      EXPECT_FALSE(StunMessage::parse(std::span(vector->data(), n))) << n;
    }
  }
}

TEST(RtcStunMessage, TruncationWithPatchedLengthIsRejected) {
  // Cut inside an attribute but make the header agree with the buffer: the TLV walk must fail.
  for (std::size_t n = 24; n < kSampleRequest.size(); n += 4) {
    Bytes cut(kSampleRequest.begin(), kSampleRequest.begin() + static_cast<std::ptrdiff_t>(n));
    cut[2] = static_cast<std::uint8_t>((n - 20) >> 8);
    cut[3] = static_cast<std::uint8_t>(n - 20);
    const bool boundary = n == 24 + 16 || n == 40 + 8 || n == 48 + 12 || n == 60 + 16 || n == 76 + 24;
    EXPECT_EQ(StunMessage::parse(cut).has_value(), boundary) << n;
  }
}

TEST(RtcStunMessage, RejectsBadHeaderFields) {
  Bytes bad = kIpv4Response;
  bad[4] ^= 1;  // cookie
  EXPECT_FALSE(StunMessage::parse(bad));

  bad = kIpv4Response;
  bad[0] |= 0x80;  // top bits must be zero
  EXPECT_FALSE(StunMessage::parse(bad));

  bad = kIpv4Response;
  bad[3] += 4;  // length larger than the buffer
  EXPECT_FALSE(StunMessage::parse(bad));

  bad = kIpv4Response;
  bad.push_back(0);
  bad[3] += 1;  // length not a multiple of 4
  EXPECT_FALSE(StunMessage::parse(bad));

  bad = kIpv4Response;
  bad.insert(bad.end(), {0, 0, 0, 0});  // trailing bytes beyond the header length
  EXPECT_FALSE(StunMessage::parse(bad));
}

TEST(RtcStunMessage, RejectsBadAttributeLayout) {
  Bytes bad = kIpv4Response;
  bad[23] = 0x0d;  // SOFTWARE length 13 → padded 16 overruns the next attribute boundary
  EXPECT_FALSE(StunMessage::parse(bad));

  bad = kIpv4Response;
  bad[51] = 0x10;  // MESSAGE-INTEGRITY must be 20 bytes
  EXPECT_FALSE(StunMessage::parse(bad));

  // FINGERPRINT not last.
  Bytes out;
  StunMessageBuilder builder(out, StunMethod::Binding, StunClass::Request, TransactionId{});
  builder.add_fingerprint();
  Bytes moved = out;
  moved.insert(moved.end(), {0x80, 0x22, 0x00, 0x00});
  moved[3] += 4;
  EXPECT_FALSE(StunMessage::parse(moved));
}

TEST(RtcStunMessage, IgnoresAttributesAfterIntegrity) {
  Bytes out;
  StunMessageBuilder builder(out, StunMethod::Binding, StunClass::Request, TransactionId{});
  builder.add_string(StunAttr::Username, "a:b").add_message_integrity(short_term_key("pw"));
  Bytes extended = out;
  extended.insert(extended.end(), {0x00, 0x25, 0x00, 0x00});  // USE-CANDIDATE after integrity
  extended[3] += 4;
  const auto message = StunMessage::parse(extended);
  ASSERT_TRUE(message);
  EXPECT_FALSE(message->use_candidate());
  EXPECT_EQ(message->username(), "a:b");
  // The HMAC input ends at MESSAGE-INTEGRITY with the length adjusted, so trailing attributes do not matter.
  EXPECT_TRUE(verify_message_integrity(*message, short_term_key("pw")));
}

TEST(RtcStunMessageBuilder, ReproducesRfc5769Ipv4Response) {
  Bytes out;
  const auto request = StunMessage::parse(kIpv4Response);
  ASSERT_TRUE(request);
  StunMessageBuilder builder(out, StunMethod::Binding, StunClass::SuccessResponse, request->transaction_id());
  builder.add_string(StunAttr::Software, "test vector")
      .add_xor_address(StunAttr::XorMappedAddress, udp::endpoint(make_address("192.0.2.1"), 32853))
      .add_message_integrity(short_term_key(kShortTermPassword))
      .add_fingerprint();
  ASSERT_TRUE(builder.ok());
  // The vector pads SOFTWARE with 0x20; we pad with zeros, so compare after normalising padding.
  Bytes expected = kIpv4Response;
  expected[35] = 0;
  ASSERT_EQ(out.size(), expected.size());
  const auto parsed = StunMessage::parse(out);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(verify_message_integrity(*parsed, short_term_key(kShortTermPassword)));
  EXPECT_TRUE(verify_fingerprint(*parsed));
  // Padding is outside the HMAC-relevant value but inside the HMAC input, so only compare up to it.
  EXPECT_TRUE(std::equal(out.begin(), out.begin() + 35, expected.begin()));
  EXPECT_TRUE(std::equal(out.begin() + 36, out.begin() + 52, expected.begin() + 36));
}

TEST(RtcStunMessageBuilder, ReproducesRfc5769Ipv6ResponseExactlyWithSamePadding) {
  // Build with the vector's 0x20 padding by writing SOFTWARE raw, then compare every byte.
  Bytes out;
  const auto request = StunMessage::parse(kIpv6Response);
  ASSERT_TRUE(request);
  StunMessageBuilder builder(out, StunMethod::Binding, StunClass::SuccessResponse, request->transaction_id());
  builder.add_string(StunAttr::Software, "test vector");
  out[35] = 0x20;  // mimic the vector's padding before anything hashes it
  builder
      .add_xor_address(StunAttr::XorMappedAddress,
                       udp::endpoint(make_address("2001:db8:1234:5678:11:2233:4455:6677"), 32853))
      .add_message_integrity(short_term_key(kShortTermPassword))
      .add_fingerprint();
  ASSERT_TRUE(builder.ok());
  EXPECT_EQ(out, kIpv6Response);
}

TEST(RtcStunMessageBuilder, RoundTripsEveryAttribute) {
  Bytes out;
  const TransactionId id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const udp::endpoint peer(make_address("10.1.2.3"), 40001);
  const udp::endpoint relayed(make_address("2001:db8::1"), 55555);
  const std::uint8_t payload[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
  const auto key = long_term_key("user", "realm", "pass");
  StunMessageBuilder builder(out, StunMethod::Allocate, StunClass::ErrorResponse, id);
  builder.add_string(StunAttr::Username, "user")
      .add_string(StunAttr::Realm, "realm")
      .add_string(StunAttr::Nonce, "nonce-1")
      .add_error_code(438)
      .add_u32(StunAttr::Lifetime, 600)
      .add_requested_transport()
      .add_requested_address_family(0x02)
      .add_channel_number(0x4001)
      .add(StunAttr::Data, payload)
      .add_xor_address(StunAttr::XorPeerAddress, peer)
      .add_xor_address(StunAttr::XorRelayedAddress, relayed)
      .add_xor_address(StunAttr::XorMappedAddress, peer)
      .add_u32(StunAttr::Priority, 12345)
      .add_flag(StunAttr::UseCandidate)
      .add_u64(StunAttr::IceControlling, 0x0102030405060708ull)
      .add_flag(StunAttr::DontFragment)
      .add_even_port(true)
      .add(StunAttr::ReservationToken, std::span<const std::uint8_t>(payload, 4))
      .add_message_integrity(key)
      .add_fingerprint();
  ASSERT_TRUE(builder.ok());
  const auto m = StunMessage::parse(out);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is(StunMethod::Allocate, StunClass::ErrorResponse));
  EXPECT_EQ(m->transaction_id(), id);
  EXPECT_EQ(m->username(), "user");
  EXPECT_EQ(m->realm(), "realm");
  EXPECT_EQ(m->nonce(), "nonce-1");
  ASSERT_TRUE(m->error_code());
  EXPECT_EQ(m->error_code()->code, 438);
  EXPECT_EQ(m->error_code()->reason, "Stale Nonce");
  EXPECT_EQ(m->lifetime(), 600u);
  EXPECT_EQ(m->requested_transport(), 17);
  EXPECT_EQ(m->requested_address_family(), 0x02);
  EXPECT_EQ(m->channel_number(), 0x4001);
  ASSERT_TRUE(m->data());
  EXPECT_TRUE(std::equal(m->data()->begin(), m->data()->end(), std::begin(payload), std::end(payload)));
  EXPECT_EQ(m->xor_peer_address(), peer);
  EXPECT_EQ(m->xor_relayed_address(), relayed);
  EXPECT_EQ(m->xor_mapped_address(), peer);
  EXPECT_EQ(m->priority(), 12345u);
  EXPECT_TRUE(m->use_candidate());
  EXPECT_EQ(m->ice_controlling(), 0x0102030405060708ull);
  EXPECT_TRUE(m->dont_fragment());
  EXPECT_EQ(m->even_port(), true);
  EXPECT_TRUE(m->has_reservation_token());
  EXPECT_TRUE(verify_message_integrity(*m, key));
  EXPECT_TRUE(verify_fingerprint(*m));

  Bytes tampered = out;
  tampered[25] ^= 1;  // inside the USERNAME value
  const auto t = StunMessage::parse(tampered);
  ASSERT_TRUE(t);
  EXPECT_FALSE(verify_message_integrity(*t, key));
  EXPECT_FALSE(verify_fingerprint(*t));
}

TEST(RtcStunMessageBuilder, ReusesBufferAndRejectsOverflow) {
  Bytes out;
  out.reserve(2048);
  const auto* data = out.data();
  StunMessageBuilder(out, StunMethod::Binding, StunClass::Indication, TransactionId{}).add_fingerprint();
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.size(), 28u);

  const Bytes big(70000, 0);
  StunMessageBuilder overflow(out, StunMethod::Send, StunClass::Indication, TransactionId{});
  overflow.add(StunAttr::Data, big);
  EXPECT_FALSE(overflow.ok());

  StunMessageBuilder after_fp(out, StunMethod::Binding, StunClass::Request, TransactionId{});
  after_fp.add_fingerprint().add_flag(StunAttr::UseCandidate);
  EXPECT_FALSE(after_fp.ok());
}

TEST(RtcStunMessage, MalformedTypedAttributesReadAsAbsent) {
  Bytes out;
  const std::uint8_t three[] = {1, 2, 3};
  const std::uint8_t bad_family[] = {0, 3, 0, 0, 1, 2, 3, 4};
  const std::uint8_t bad_error[] = {0, 0, 7, 0};
  StunMessageBuilder(out, StunMethod::Binding, StunClass::Request, TransactionId{})
      .add(StunAttr::Lifetime, three)
      .add(StunAttr::XorMappedAddress, bad_family)
      .add(StunAttr::ErrorCode, bad_error)
      .add(StunAttr::ChannelNumber, three)
      .add(StunAttr::IceControlling, three);
  const auto m = StunMessage::parse(out);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->lifetime());
  EXPECT_FALSE(m->xor_mapped_address());
  EXPECT_FALSE(m->error_code());
  EXPECT_FALSE(m->channel_number());
  EXPECT_FALSE(m->ice_controlling());
  EXPECT_FALSE(m->username());
  EXPECT_FALSE(verify_message_integrity(*m, short_term_key("x")));
}

TEST(RtcStunChannelData, ParseAndBuild) {
  Bytes out;
  const std::uint8_t payload[] = {0x80, 1, 2, 3, 4};
  ASSERT_TRUE(ChannelData::build(out, 0x4001, payload, true));
  EXPECT_EQ(out.size(), 12u);
  EXPECT_EQ(out[0], 0x40);
  EXPECT_EQ(out[3], 5);
  auto frame = ChannelData::parse(out);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->channel(), 0x4001);
  EXPECT_EQ(frame->payload().size(), 5u);
  ASSERT_TRUE(ChannelData::build(out, 0x7FFF, payload, false));
  EXPECT_EQ(out.size(), 9u);
  EXPECT_TRUE(ChannelData::parse(out));
  for (std::size_t n = 0; n < out.size(); ++n) EXPECT_FALSE(ChannelData::parse(std::span(out.data(), n))) << n;

  EXPECT_FALSE(ChannelData::build(out, 0x3FFF, payload, false));
  EXPECT_FALSE(ChannelData::build(out, 0x8000, payload, false));
  const Bytes low = {0x3F, 0xFF, 0, 0};
  EXPECT_FALSE(ChannelData::parse(low));
  const Bytes high = {0x80, 0x00, 0, 0};
  EXPECT_FALSE(ChannelData::parse(high));
  const Bytes empty = {0x40, 0x00, 0, 0};
  EXPECT_TRUE(ChannelData::parse(empty));
}

TEST(RtcStunPacketKind, Rfc7983Ranges) {
  EXPECT_EQ(classify_first_byte(0), PacketKind::Stun);
  EXPECT_EQ(classify_first_byte(3), PacketKind::Stun);
  EXPECT_EQ(classify_first_byte(4), PacketKind::Unknown);
  EXPECT_EQ(classify_first_byte(16), PacketKind::Zrtp);
  EXPECT_EQ(classify_first_byte(19), PacketKind::Zrtp);
  EXPECT_EQ(classify_first_byte(20), PacketKind::Dtls);
  EXPECT_EQ(classify_first_byte(63), PacketKind::Dtls);
  EXPECT_EQ(classify_first_byte(64), PacketKind::TurnChannel);
  EXPECT_EQ(classify_first_byte(79), PacketKind::TurnChannel);
  EXPECT_EQ(classify_first_byte(80), PacketKind::Unknown);
  EXPECT_EQ(classify_first_byte(128), PacketKind::RtpRtcp);
  EXPECT_EQ(classify_first_byte(191), PacketKind::RtpRtcp);
  EXPECT_EQ(classify_first_byte(192), PacketKind::Unknown);
}

TEST(RtcStunIntegrity, EmptyKeyStillAuthenticates) {
  Bytes out;
  StunMessageBuilder builder(out, StunMethod::Binding, StunClass::Request, TransactionId{});
  builder.add_message_integrity(short_term_key(""));
  ASSERT_TRUE(builder.ok());
  const auto m = StunMessage::parse(out);
  ASSERT_TRUE(m);
  EXPECT_TRUE(verify_message_integrity(*m, short_term_key("")));
  EXPECT_FALSE(verify_message_integrity(*m, short_term_key("x")));
}

TEST(RtcStunIntegrity, Crc32KnownAnswer) {
  const std::string text = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}), 0xCBF43926u);
}

}  // namespace
}  // namespace shoal::rtc::stun
