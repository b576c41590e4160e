#include "rtc/turn/turn_stream_framer.hpp"

#include <algorithm>

namespace shoal::rtc::turn {

std::optional<std::size_t> TurnStreamFramer::frame_size(std::span<const std::uint8_t, 4> head, FramingError& error) {
  const std::size_t length = static_cast<std::size_t>((head[2] << 8) | head[3]);
  if ((head[0] & 0xC0) == 0x00) {
    if (length % 4 != 0) {
      error = FramingError::BadStunLength;
      return std::nullopt;
    }
    return 20 + length;
  }
  if ((head[0] & 0xC0) == 0x40) return 4 + ((length + 3) & ~std::size_t{3});
  error = FramingError::UnknownFrameType;
  return std::nullopt;
}

std::span<const std::uint8_t> TurnStreamFramer::buffer_some(std::span<const std::uint8_t> bytes) {
  if (partial_.capacity() < kMaxFrame) partial_.reserve(kMaxFrame);  // once per connection
  if (partial_.size() < 4) {
    const std::size_t take = std::min(4 - partial_.size(), bytes.size());
    partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (partial_.size() < 4) return bytes;
    const auto size = frame_size(std::span<const std::uint8_t, 4>(partial_.data(), 4), error_);
    if (!size) return {};
    pending_size_ = *size;
  }
  const std::size_t take = std::min(pending_size_ - partial_.size(), bytes.size());
  partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
  return bytes.subspan(take);
}

}  // namespace shoal::rtc::turn
