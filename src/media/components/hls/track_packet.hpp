#pragma once
// One RTP packet of a published track on its way from the room's loop to the HLS pipeline's
// thread: a fixed-size slot, so the hand-over allocates nothing.
#include <array>
#include <cstdint>
#include <span>

namespace shoal::components::hls {

struct TrackPacket {
  static constexpr std::size_t kMaxPayload = 1500;

  std::uint32_t track_key = 0;
  std::uint32_t ssrc = 0;
  std::uint32_t timestamp = 0;
  std::uint16_t sequence_number = 0;
  std::uint16_t size = 0;
  bool marker = false;
  std::array<std::uint8_t, kMaxPayload> payload;

  std::span<const std::uint8_t> bytes() const { return {payload.data(), size}; }
};

}  // namespace shoal::components::hls
