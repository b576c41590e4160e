#pragma once
// Splits a TURN-over-TCP byte stream (RFC 8656 12.5) into whole STUN messages and ChannelData
// frames (including their padding). Whole frames inside the fed bytes are handed out without
// copying; only a frame split across reads is buffered, in one buffer of at most kMaxFrame bytes.
// The first 4 bytes of a frame decide its size, so a hostile peer cannot make us buffer more.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shoal::rtc::turn {

enum class FramingError { None, UnknownFrameType, BadStunLength };

class TurnStreamFramer {
 public:
  static constexpr std::size_t kMaxFrame = 20 + 0xFFFF;  // STUN header + largest length field

  // Size of the whole frame starting with these 4 bytes, or the reason the stream is corrupt.
  static std::optional<std::size_t> frame_size(std::span<const std::uint8_t, 4> head, FramingError& error);

  // Calls on_frame(std::span<const std::uint8_t>) for each complete frame, in order. On error the
  // framer stays failed and the caller should close the connection. The span passed to on_frame
  // is only valid during the call.
  template <typename OnFrame>
  FramingError feed(std::span<const std::uint8_t> bytes, OnFrame&& on_frame) {
    while (error_ == FramingError::None && !bytes.empty()) {
      if (!partial_.empty() || bytes.size() < 4) {
        bytes = buffer_some(bytes);
        if (error_ != FramingError::None) break;
        if (partial_.size() >= 4 && partial_.size() == pending_size_) {
          on_frame(std::span<const std::uint8_t>(partial_));
          partial_.clear();
          pending_size_ = 0;
        }
        continue;
      }
      const auto size = frame_size(std::span<const std::uint8_t, 4>(bytes.data(), 4), error_);
      if (!size) break;
      if (bytes.size() < *size) {
        bytes = buffer_some(bytes);
        continue;
      }
      on_frame(bytes.first(*size));
      bytes = bytes.subspan(*size);
    }
    return error_;
  }

  FramingError error() const { return error_; }
  std::size_t buffered() const { return partial_.size(); }

 private:
  // Moves as much of `bytes` into partial_ as the current frame needs; returns the rest.
  std::span<const std::uint8_t> buffer_some(std::span<const std::uint8_t> bytes);

  std::vector<std::uint8_t> partial_;
  std::size_t pending_size_ = 0;  // size of the buffered frame once its head is known
  FramingError error_ = FramingError::None;
};

}  // namespace shoal::rtc::turn
