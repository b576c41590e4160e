#pragma once
// In-place view of one RTP packet (RFC 3550) with RFC 8285 header extensions.
//
// The view never owns or copies the bytes: setters write straight into the caller's buffer, so
// a packet can be parsed, rewritten (PT/SSRC/seq/ts/extension ids) and sent on without any
// allocation. The buffer must outlive the view.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtp {

enum class ExtensionProfile : std::uint8_t {
  None,     // X bit clear
  OneByte,  // 0xBEDE
  TwoByte,  // 0x100X
  Other,    // some profile we do not interpret; the block is kept but elements are invisible
};

class RtpPacket {
 public:
  static constexpr std::size_t kFixedHeaderSize = 12;

  // Validates version 2, CSRC list, extension block and padding against the buffer length.
  // The view covers the whole buffer (header + payload + padding).
  static std::optional<RtpPacket> parse(std::span<std::uint8_t> buffer);

  bool marker() const;
  void set_marker(bool marker);
  std::uint8_t payload_type() const;
  void set_payload_type(std::uint8_t payload_type);  // low 7 bits used
  std::uint16_t sequence_number() const;
  void set_sequence_number(std::uint16_t seq);
  std::uint32_t timestamp() const;
  void set_timestamp(std::uint32_t timestamp);
  std::uint32_t ssrc() const;
  void set_ssrc(std::uint32_t ssrc);

  std::size_t csrc_count() const;
  std::uint32_t csrc(std::size_t index) const;  // index < csrc_count()

  ExtensionProfile extension_profile() const { return profile_; }
  // Raw 16-bit "defined by profile" value (0 when there is no extension block).
  std::uint16_t extension_profile_id() const;

  // Value of the element with this id, or an empty span when absent (or id out of 1..14 / 1..255).
  std::span<const std::uint8_t> extension(int id) const;
  // Mutable access for in-place writers; same lookup rules as extension().
  std::span<std::uint8_t> mutable_extension(int id);
  // Overwrites an existing element whose length equals value.size() (e.g. transport-wide seq).
  // False when absent or sizes differ: elements are never added or resized in place.
  bool set_extension_value(int id, std::span<const std::uint8_t> value);
  // Convenience for the 2-byte transport-wide-cc sequence number element.
  std::optional<std::uint16_t> extension_u16(int id) const;
  bool set_extension_u16(int id, std::uint16_t value);

  // Renumbers every element: new_id = map[old_id]. An element whose new id is 0 (or does not fit
  // the profile, i.e. > 14 for one-byte) is erased by overwriting its header and data with zero
  // bytes, which RFC 8285 defines as padding in both profiles. This keeps the payload where it is
  // (no memmove, no length change) and every receiver skips it. Using the reserved id 15 instead
  // would be wrong: a one-byte receiver stops parsing at id 15, hiding all later elements.
  void rewrite_extension_ids(const std::array<std::uint8_t, 256>& map);

  // Calls f(int id, std::span<const std::uint8_t> value) for each element in wire order.
  // Stops silently at a malformed element (everything before it is still reported).
  template <class F>
  void for_each_extension(F&& f) const;

  std::span<const std::uint8_t> payload() const;
  std::span<std::uint8_t> mutable_payload();
  std::size_t header_size() const { return header_size_; }
  std::size_t padding_size() const { return padding_size_; }
  std::span<std::uint8_t> bytes() const { return buffer_; }

 private:
  explicit RtpPacket(std::span<std::uint8_t> buffer) : buffer_(buffer) {}

  // Element location inside buffer_: [offset, offset + size) is the value.
  struct Element {
    std::size_t header_offset = 0;  // first byte of the element header
    std::size_t offset = 0;
    std::size_t size = 0;
    int id = 0;
  };
  // Walks the element list starting at `pos`; returns false at end of block or on malformation.
  bool next_element(std::size_t& pos, Element& element) const;
  std::optional<Element> find_element(int id) const;

  std::span<std::uint8_t> buffer_;
  std::size_t header_size_ = kFixedHeaderSize;
  std::size_t extension_data_offset_ = 0;  // first element byte
  std::size_t extension_data_size_ = 0;
  std::size_t padding_size_ = 0;
  ExtensionProfile profile_ = ExtensionProfile::None;
};

template <class F>
void RtpPacket::for_each_extension(F&& f) const {
  std::size_t pos = extension_data_offset_;
  Element element;
  while (next_element(pos, element)) {
    f(element.id, std::span<const std::uint8_t>(buffer_.data() + element.offset, element.size));
  }
}

}  // namespace shoal::rtc::rtp
