// RTP arrives from any browser that completed DTLS (after SRTP decryption): parse it, read every
// field, run the keyframe detectors and the forwarding rewrites on it. Then reinterpret the
// input as a stream of (seq, ts, flags) records for the munger/NACK state machines.
#include "rtc/rtp/h264_keyframe.hpp"
#include "rtc/rtp/nack_generator.hpp"
#include "rtc/rtp/retransmission_buffer.hpp"
#include "rtc/rtp/rtp_munger.hpp"
#include "rtc/rtp/rtp_packet.hpp"
#include "rtc/rtp/rtx_packet.hpp"
#include "rtc/rtp/vp8_munger.hpp"
#include "rtc/rtp/vp8_payload_descriptor.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace shoal::rtc::rtp;

namespace {

std::uint64_t g_sink = 0;

void check_packet(std::vector<std::uint8_t>& bytes) {
  auto packet = RtpPacket::parse(bytes);
  if (!packet) return;
  std::uint64_t sink = 0;
  sink += packet->marker() + packet->payload_type() + packet->sequence_number() + packet->timestamp() +
          packet->ssrc() + packet->extension_profile_id();
  for (std::size_t i = 0; i <= packet->csrc_count(); ++i) sink += packet->csrc(i);
  packet->for_each_extension([&](int id, std::span<const std::uint8_t> value) {
    sink += static_cast<std::uint64_t>(id);
    for (auto b : value) sink += b;
  });
  for (int id = -1; id <= 256; ++id) {
    sink += packet->extension(id).size();
    if (auto v = packet->extension_u16(id)) sink += *v;
  }
  auto payload = packet->payload();
  if (packet->header_size() + payload.size() + packet->padding_size() != bytes.size()) std::abort();
  sink += is_vp8_keyframe(payload) + is_h264_keyframe(payload);
  if (auto d = Vp8PayloadDescriptor::parse(payload)) {
    if (d->size > payload.size()) std::abort();
    std::vector<std::uint8_t> copy(payload.begin(), payload.end());
    d->write_picture_id(copy, 0x7FFF);
    d->write_tl0_pic_idx(copy, 1);
    d->write_key_idx(copy, 2);
  }

  // Rewrites mutate the buffer: each on a private copy so the checks above are not disturbed.
  std::vector<std::uint8_t> copy = bytes;
  auto writable = RtpPacket::parse(copy);
  if (!writable) std::abort();
  std::array<std::uint8_t, 256> map{};
  for (std::size_t i = 0; i < map.size(); ++i) map[i] = static_cast<std::uint8_t>((i * 7) % 17);
  writable->rewrite_extension_ids(map);
  writable->set_extension_u16(3, 0xBEEF);
  const std::uint8_t level[] = {0x7F};
  writable->set_extension_value(1, level);
  writable->set_payload_type(96);
  writable->set_marker(true);
  writable->set_ssrc(1);
  // After rewriting the packet must still parse to the same layout.
  auto reparsed = RtpPacket::parse(copy);
  if (!reparsed || reparsed->header_size() != packet->header_size() ||
      reparsed->payload().size() != packet->payload().size()) {
    std::abort();
  }
  Vp8Munger vp8;
  vp8.rewrite(writable->mutable_payload(), true);

  std::array<std::uint8_t, 2048> rtx{};
  auto rtx_size = rtx_wrap(bytes, rtx, 97, 2, 3);
  if (bytes.size() + 2 <= rtx.size() && !rtx_size) std::abort();
  if (rtx_size) {
    auto restored = rtx_unwrap(std::span(rtx).first(*rtx_size), packet->payload_type(), packet->ssrc());
    if (!restored) std::abort();
    auto back = RtpPacket::parse(*restored);
    if (!back || back->sequence_number() != packet->sequence_number() ||
        !std::equal(back->payload().begin(), back->payload().end(), payload.begin(), payload.end())) {
      std::abort();
    }
  }
  std::vector<std::uint8_t> raw = bytes;
  rtx_unwrap(raw, 96, 1);
  g_sink += sink;  // keeps the reads from being optimised away
}

void run_state_machines(const std::uint8_t* data, std::size_t size) {
  RtpMunger munger(90000);
  NackGenerator nack;
  RetransmissionBuffer buffer(16, 32);
  std::array<std::uint16_t, 64> requests{};
  shoal::core::Time now = shoal::core::at_ms(0);
  std::optional<std::uint16_t> last_out;
  for (std::size_t pos = 0; pos + 7 <= size; pos += 7) {
    const std::uint16_t seq = static_cast<std::uint16_t>((data[pos] << 8) | data[pos + 1]);
    const std::uint32_t ts = (std::uint32_t{data[pos + 2]} << 24) | (std::uint32_t{data[pos + 3]} << 16) |
                             (std::uint32_t{data[pos + 4]} << 8) | data[pos + 5];
    const std::uint8_t flags = data[pos + 6];
    now += std::chrono::milliseconds{flags >> 3};
    if (flags & 1) {
      if (auto padding = munger.next_padding()) last_out = padding->sequence_number;
    } else if (auto out = munger.map(seq, ts, now, (flags & 2) != 0)) {
      buffer.store(out->sequence_number, std::span(data + pos, 7), now);
      if (buffer.find(out->sequence_number).size() != 7) std::abort();
    }
    nack.on_packet(seq, now);
    if (flags & 4) nack.collect(now, requests);
    nack.take_keyframe_request();
    if (nack.missing_count() > NackGenerator::kCapacity) std::abort();
  }
  (void)last_out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  check_packet(bytes);
  run_state_machines(data, size);
  return 0;
}
