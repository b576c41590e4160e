#include "rtc/stun/channel_data.hpp"

#include <algorithm>

namespace shoal::rtc::stun {

std::optional<ChannelData> ChannelData::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  const auto channel = static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
  const std::size_t length = static_cast<std::size_t>((bytes[2] << 8) | bytes[3]);
  if (channel < kMinChannel || channel > kMaxChannel || length > bytes.size() - kHeaderSize) return std::nullopt;
  ChannelData frame;
  frame.channel_ = channel;
  frame.payload_ = bytes.subspan(kHeaderSize, length);
  return frame;
}

bool ChannelData::write_header(std::span<std::uint8_t, kHeaderSize> out, std::uint16_t channel,
                               std::size_t payload_length) {
  if (channel < kMinChannel || channel > kMaxChannel || payload_length > 0xFFFF) return false;
  out[0] = static_cast<std::uint8_t>(channel >> 8);
  out[1] = static_cast<std::uint8_t>(channel);
  out[2] = static_cast<std::uint8_t>(payload_length >> 8);
  out[3] = static_cast<std::uint8_t>(payload_length);
  return true;
}

bool ChannelData::build(std::vector<std::uint8_t>& out, std::uint16_t channel, std::span<const std::uint8_t> payload,
                        bool stream) {
  if (channel < kMinChannel || channel > kMaxChannel || payload.size() > 0xFFFF) return false;
  out.resize(frame_size(payload.size(), stream));
  write_header(std::span<std::uint8_t, kHeaderSize>(out.data(), kHeaderSize), channel, payload.size());
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderSize);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(kHeaderSize + payload.size()), out.end(), 0);
  return true;
}

}  // namespace shoal::rtc::stun
