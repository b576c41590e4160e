#pragma once
// TURN ChannelData framing (RFC 8656 12.4): 2-byte channel number, 2-byte payload length,
// payload; over stream transports the frame is padded to a multiple of 4 bytes.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shoal::rtc::stun {

class ChannelData {
 public:
  static constexpr std::size_t kHeaderSize = 4;
  static constexpr std::uint16_t kMinChannel = 0x4000;
  static constexpr std::uint16_t kMaxChannel = 0x7FFF;

  // Datagram rule: the buffer must hold at least 4 + length bytes; trailing bytes (padding) are
  // ignored. The payload is a view into `bytes`.
  static std::optional<ChannelData> parse(std::span<const std::uint8_t> bytes);

  // Bytes a frame with this payload length occupies (padded when `stream`).
  static std::size_t frame_size(std::size_t payload_length, bool stream) {
    return kHeaderSize + (stream ? (payload_length + 3) & ~std::size_t{3} : payload_length);
  }

  // Writes the 4-byte header; false if the channel or length is out of range.
  static bool write_header(std::span<std::uint8_t, kHeaderSize> out, std::uint16_t channel, std::size_t payload_length);

  // Replaces `out` with a whole frame (capacity reused); false if channel/length out of range.
  static bool build(std::vector<std::uint8_t>& out, std::uint16_t channel, std::span<const std::uint8_t> payload,
                    bool stream);

  std::uint16_t channel() const { return channel_; }
  std::span<const std::uint8_t> payload() const { return payload_; }

 private:
  std::uint16_t channel_ = 0;
  std::span<const std::uint8_t> payload_;
};

}  // namespace shoal::rtc::stun
