// A peer as a subscriber: every packet sent to it carries our own transport-wide sequence number,
// which its transport-cc feedback refers to (room_bandwidth.cpp turns that into a downlink
// estimate), and while the estimate is probed, padding-only packets go out between frames.
#include "room/peer_media.hpp"

#include "room/media_timer.hpp"
#include "rtc/common/big_endian.hpp"

#include <algorithm>

namespace shoal::room {

namespace {

constexpr std::size_t kPaddingBytes = 255;                       // RFC 3550 maximum, as Jellyfish
constexpr std::size_t kPaddingPacketBytes = 20 + kPaddingBytes;  // header + one-word extension
constexpr int kMaxPaddingPacketsPerFrame = 10;

}  // namespace

void PeerMedia::number(media::Consumer& consumer, rtc::rtp::RtpPacket& packet) {
  const std::uint8_t id = consumer.transport_cc_extension_id();
  if (id == 0) return;
  const std::uint16_t sequence = next_transport_sequence;
  if (!packet.set_extension_u16(id, sequence)) return;
  ++next_transport_sequence;
  auto& estimator = downlink.estimator;
  if (!estimator) estimator = std::make_unique<rtc::cc::SendSideBandwidthEstimator>();
  estimator->on_sent(sequence, static_cast<std::uint32_t>(packet.bytes().size()), core::now());
}

void PeerMedia::frame_sent(media::Consumer& consumer, std::span<std::uint8_t> scratch) {
  if (downlink.padding_credit_bytes <= 0 || scratch.size() < kPaddingPacketBytes) return;
  const std::uint8_t id = consumer.transport_cc_extension_id();
  if (id == 0 || id > 14 || !downlink.estimator) return;  // only measured probes are worth sending
  for (int i = 0; i < kMaxPaddingPacketsPerFrame && downlink.padding_credit_bytes >= kPaddingPacketBytes; ++i) {
    auto mapped = consumer.next_padding();
    if (!mapped) return;
    std::uint8_t* out = scratch.data();
    out[0] = 0x80 | 0x20 | 0x10;  // version 2, padding, extension
    out[1] = consumer.payload_type() & 0x7F;
    rtc::store_u16(scratch, 2, mapped->sequence_number);
    rtc::store_u32(scratch, 4, mapped->timestamp);
    rtc::store_u32(scratch, 8, consumer.ssrc());
    out[12] = 0xBE;  // one-byte header extensions (RFC 8285), one word
    out[13] = 0xDE;
    out[14] = 0;
    out[15] = 1;
    out[16] = static_cast<std::uint8_t>(id << 4 | 1);
    const std::uint16_t sequence = next_transport_sequence++;
    rtc::store_u16(scratch, 17, sequence);
    out[19] = 0;
    std::fill(out + 20, out + kPaddingPacketBytes - 1, 0);
    out[kPaddingPacketBytes - 1] = kPaddingBytes;
    downlink.estimator->on_sent(sequence, kPaddingPacketBytes, core::now());
    downlink.padding_credit_bytes -= kPaddingPacketBytes;
    transport->send_rtp(scratch, kPaddingPacketBytes);
  }
}

}  // namespace shoal::room
