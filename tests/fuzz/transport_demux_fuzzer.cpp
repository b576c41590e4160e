// Datagrams as a peer's transport receives them. The TURN listener first tells STUN from
// ChannelData (classify_client_message); what a client relays to the candidate, as ChannelData or
// as a Send indication's DATA, is then demultiplexed by demux_relayed_payload, and each branch
// runs the parse its handler starts with: the STUN readers the ICE agent uses, the DTLS record
// framing DtlsTransport checks, and SRTP's header checks for RTP and RTCP (inbound sessions with
// fixed keys: a fuzzer cannot forge their tags, so nothing decrypts and their state never
// changes). The whole input is also tried as a relayed payload.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtc/dtls/dtls_record.hpp"
#include "rtc/rtcp/rtcp_header.hpp"
#include "rtc/srtp/srtp_session.hpp"
#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/packet_kind.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/turn/turn_client_message.hpp"
#include "webrtc/transport_demux.hpp"

using namespace shoal;
using rtc::stun::PacketKind;
using rtc::turn::TurnClientMessage;
using webrtc::RelayedKind;

namespace {

// PeerTransport::kMaxPacket: larger media is dropped before SRTP sees it.
constexpr std::size_t kMaxMediaPacket = 1500;

rtc::srtp::SrtpSession& inbound_session(rtc::srtp::SrtpProfile profile) {
  static constexpr std::array<std::uint8_t, 30> kKeySalt = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                                            16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
  static auto cm = rtc::srtp::SrtpSession::create(rtc::srtp::SrtpSession::Direction::Inbound,
                                                  rtc::srtp::SrtpProfile::Aes128CmSha1_80, kKeySalt);
  static auto gcm = rtc::srtp::SrtpSession::create(
      rtc::srtp::SrtpSession::Direction::Inbound, rtc::srtp::SrtpProfile::AeadAes128Gcm,
      std::span(kKeySalt).first(rtc::srtp::master_key_salt_length(rtc::srtp::SrtpProfile::AeadAes128Gcm)));
  auto& session = profile == rtc::srtp::SrtpProfile::AeadAes128Gcm ? gcm : cm;
  if (!session) __builtin_trap();
  return *session;
}

void check_media(std::span<const std::uint8_t> payload, bool rtcp) {
  if (payload.size() > kMaxMediaPacket) return;
  // As PeerTransport::on_media: a copy in a buffer with room for the largest trailer.
  std::array<std::uint8_t, kMaxMediaPacket + rtc::srtp::kMaxTrailerLength> buffer{};
  for (const auto profile : {rtc::srtp::SrtpProfile::Aes128CmSha1_80, rtc::srtp::SrtpProfile::AeadAes128Gcm}) {
    std::copy(payload.begin(), payload.end(), buffer.begin());
    auto& session = inbound_session(profile);
    const auto plaintext =
        rtcp ? session.unprotect_rtcp(buffer, payload.size()) : session.unprotect_rtp(buffer, payload.size());
    if (plaintext) __builtin_trap();
  }
}

void check_dtls(std::span<const std::uint8_t> payload) {
  const auto records = rtc::dtls::DtlsRecord::count_records(payload);
  if (!records) return;
  std::size_t walked = 0;
  std::size_t count = 0;
  auto rest = payload;
  while (auto record = rtc::dtls::DtlsRecord::parse(rest)) {
    if (record->wire.size() < rtc::dtls::DtlsRecord::kHeaderLength ||
        record->fragment.size() + rtc::dtls::DtlsRecord::kHeaderLength != record->wire.size()) {
      __builtin_trap();
    }
    (void)record->plaintext_handshake_type();
    walked += record->wire.size();
    ++count;
    rest = rest.subspan(record->wire.size());
  }
  if (count != *records || walked != payload.size()) __builtin_trap();
}

void check_relayed(std::span<const std::uint8_t> payload) {
  const auto demuxed = webrtc::demux_relayed_payload(payload);
  const auto first = payload.empty() ? PacketKind::Unknown : rtc::stun::classify_first_byte(payload[0]);
  if (demuxed.stun.has_value() != (demuxed.kind == RelayedKind::Stun)) __builtin_trap();
  switch (demuxed.kind) {
    case RelayedKind::Stun: {
      if (first != PacketKind::Stun || demuxed.stun->bytes().size() != payload.size()) __builtin_trap();
      // What the ICE agent reads before deciding anything.
      (void)demuxed.stun->username();
      (void)demuxed.stun->priority();
      (void)demuxed.stun->ice_controlling();
      (void)demuxed.stun->use_candidate();
      if (demuxed.stun->fingerprint_offset()) (void)rtc::stun::verify_fingerprint(*demuxed.stun);
      return;
    }
    case RelayedKind::Dtls:
      if (first != PacketKind::Dtls) __builtin_trap();
      check_dtls(payload);
      return;
    case RelayedKind::Rtp:
    case RelayedKind::Rtcp:
      if (first != PacketKind::RtpRtcp || (demuxed.kind == RelayedKind::Rtcp) != rtc::rtcp::is_rtcp(payload)) {
        __builtin_trap();
      }
      check_media(payload, demuxed.kind == RelayedKind::Rtcp);
      return;
    case RelayedKind::Dropped:
      if (first == PacketKind::Dtls || first == PacketKind::RtpRtcp) __builtin_trap();
      if (first == PacketKind::Stun && rtc::stun::StunMessage::parse(payload)) __builtin_trap();
      return;
  }
}

void check_datagram(std::span<const std::uint8_t> datagram) {
  const auto classified = rtc::turn::classify_client_message(datagram);
  if (classified.stun.has_value() != (classified.kind == TurnClientMessage::Kind::Stun) ||
      classified.channel_data.has_value() != (classified.kind == TurnClientMessage::Kind::ChannelData)) {
    __builtin_trap();
  }
  switch (classified.kind) {
    case TurnClientMessage::Kind::Stun: {
      const auto& message = *classified.stun;
      if (datagram[0] > 3 || message.bytes().size() != datagram.size()) __builtin_trap();
      if (message.fingerprint_offset() && !rtc::stun::verify_fingerprint(message)) __builtin_trap();
      if (message.is(rtc::stun::StunMethod::Send, rtc::stun::StunClass::Indication)) {
        (void)message.xor_peer_address();
        if (const auto data = message.data()) check_relayed(*data);
      }
      return;
    }
    case TurnClientMessage::Kind::ChannelData: {
      const auto& frame = *classified.channel_data;
      if ((datagram[0] & 0xC0) != 0x40 || frame.channel() < rtc::stun::ChannelData::kMinChannel ||
          frame.channel() > rtc::stun::ChannelData::kMaxChannel ||
          frame.payload().data() != datagram.data() + rtc::stun::ChannelData::kHeaderSize ||
          frame.payload().size() > datagram.size() - rtc::stun::ChannelData::kHeaderSize) {
        __builtin_trap();
      }
      check_relayed(frame.payload());
      return;
    }
    case TurnClientMessage::Kind::NotStun:
      if (datagram[0] > 3) __builtin_trap();
      return;
    case TurnClientMessage::Kind::Malformed:
      if (!datagram.empty() && (datagram[0] & 0xC0) == 0x40 && rtc::stun::ChannelData::parse(datagram)) {
        __builtin_trap();
      }
      return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_datagram(input);
  check_relayed(input);
  return 0;
}
