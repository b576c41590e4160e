#pragma once
// A compound RTCP packet (RFC 3550 6.1): individual packets back to back, each sized by its own
// length field. parse() validates the whole chain up front so iteration cannot fail: version 2
// everywhere, lengths that tile the buffer exactly, padding counts that fit their packet.
// Nothing is copied; the views point into the caller's buffer.
#include "rtc/rtcp/rtcp_header.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class RtcpCompound {
 public:
  static std::optional<RtcpCompound> parse(std::span<const std::uint8_t> buffer);

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = RtcpPacketView;
    using difference_type = std::ptrdiff_t;
    using pointer = const RtcpPacketView*;
    using reference = RtcpPacketView;  // by value: views are small and this cannot dangle

    Iterator() = default;
    RtcpPacketView operator*() const { return view_; }
    pointer operator->() const { return &view_; }
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const Iterator& other) const { return position_ == other.position_; }

   private:
    friend class RtcpCompound;
    Iterator(std::span<const std::uint8_t> buffer, std::size_t position);
    void load();

    std::span<const std::uint8_t> buffer_;
    std::size_t position_ = 0;
    RtcpPacketView view_;
  };

  Iterator begin() const { return Iterator(buffer_, 0); }
  Iterator end() const { return Iterator(buffer_, buffer_.size()); }
  std::size_t packet_count() const { return packet_count_; }
  std::span<const std::uint8_t> bytes() const { return buffer_; }

 private:
  explicit RtcpCompound(std::span<const std::uint8_t> buffer) : buffer_(buffer) {}
  std::span<const std::uint8_t> buffer_;
  std::size_t packet_count_ = 0;
};

// Checks one packet header at buffer[position...] and returns its view; nullopt if malformed.
std::optional<RtcpPacketView> read_packet(std::span<const std::uint8_t> buffer, std::size_t position);

}  // namespace shoal::rtc::rtcp
