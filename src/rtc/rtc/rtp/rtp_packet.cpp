#include "rtc/rtp/rtp_packet.hpp"

#include "rtc/common/big_endian.hpp"

#include <algorithm>

namespace shoal::rtc::rtp {

namespace {
constexpr std::uint16_t kOneByteProfile = 0xBEDE;
constexpr std::uint16_t kTwoByteProfileMask = 0xFFF0;
constexpr std::uint16_t kTwoByteProfile = 0x1000;
constexpr int kOneByteReservedId = 15;
}  // namespace

std::optional<RtpPacket> RtpPacket::parse(std::span<std::uint8_t> buffer) {
  if (buffer.size() < kFixedHeaderSize) return std::nullopt;
  if ((buffer[0] >> 6) != 2) return std::nullopt;
  RtpPacket packet(buffer);
  const bool has_padding = (buffer[0] & 0x20) != 0;
  const bool has_extension = (buffer[0] & 0x10) != 0;
  const std::size_t csrc_count = buffer[0] & 0x0F;

  std::size_t pos = kFixedHeaderSize + 4 * csrc_count;
  if (pos > buffer.size()) return std::nullopt;

  if (has_extension) {
    if (buffer.size() - pos < 4) return std::nullopt;
    const std::uint16_t profile = load_u16(buffer, pos);
    const std::size_t words = load_u16(buffer, pos + 2);
    pos += 4;
    if ((buffer.size() - pos) / 4 < words) return std::nullopt;
    packet.extension_data_offset_ = pos;
    packet.extension_data_size_ = words * 4;
    if (profile == kOneByteProfile) {
      packet.profile_ = ExtensionProfile::OneByte;
    } else if ((profile & kTwoByteProfileMask) == kTwoByteProfile) {
      packet.profile_ = ExtensionProfile::TwoByte;
    } else {
      packet.profile_ = ExtensionProfile::Other;
    }
    pos += words * 4;
  }
  packet.header_size_ = pos;

  if (has_padding) {
    // The last octet counts the padding including itself, so 0 or more than the room after the
    // header is malformed (RFC 3550 5.1).
    const std::size_t padding = buffer.back();
    if (padding == 0 || padding > buffer.size() - pos) return std::nullopt;
    packet.padding_size_ = padding;
  }
  return packet;
}

bool RtpPacket::marker() const { return (buffer_[1] & 0x80) != 0; }

void RtpPacket::set_marker(bool marker) {
  buffer_[1] = static_cast<std::uint8_t>((buffer_[1] & 0x7F) | (marker ? 0x80 : 0));
}

std::uint8_t RtpPacket::payload_type() const { return buffer_[1] & 0x7F; }

void RtpPacket::set_payload_type(std::uint8_t payload_type) {
  buffer_[1] = static_cast<std::uint8_t>((buffer_[1] & 0x80) | (payload_type & 0x7F));
}

std::uint16_t RtpPacket::sequence_number() const { return load_u16(buffer_, 2); }
void RtpPacket::set_sequence_number(std::uint16_t seq) { store_u16(buffer_, 2, seq); }
std::uint32_t RtpPacket::timestamp() const { return load_u32(buffer_, 4); }
void RtpPacket::set_timestamp(std::uint32_t timestamp) { store_u32(buffer_, 4, timestamp); }
std::uint32_t RtpPacket::ssrc() const { return load_u32(buffer_, 8); }
void RtpPacket::set_ssrc(std::uint32_t ssrc) { store_u32(buffer_, 8, ssrc); }

std::size_t RtpPacket::csrc_count() const { return buffer_[0] & 0x0F; }

std::uint32_t RtpPacket::csrc(std::size_t index) const {
  if (index >= csrc_count()) return 0;
  return load_u32(buffer_, kFixedHeaderSize + 4 * index);
}

std::uint16_t RtpPacket::extension_profile_id() const {
  if (profile_ == ExtensionProfile::None) return 0;
  return load_u16(buffer_, extension_data_offset_ - 4);
}

bool RtpPacket::next_element(std::size_t& pos, Element& element) const {
  const std::size_t end = extension_data_offset_ + extension_data_size_;
  if (profile_ == ExtensionProfile::OneByte) {
    while (pos < end) {
      const std::uint8_t header = buffer_[pos];
      const int id = header >> 4;
      // Id 0 is a one-byte padding regardless of its length nibble: that is how libwebrtc reads
      // it, and rewrites must see exactly the elements the browser will see.
      if (id == 0) {
        ++pos;
        continue;
      }
      const std::size_t size = (header & 0x0F) + 1u;
      if (id == kOneByteReservedId) return false;  // RFC 8285: stop processing at id 15
      if (end - pos - 1 < size) return false;
      element = Element{pos, pos + 1, size, id};
      pos += 1 + size;
      return true;
    }
    return false;
  }
  if (profile_ == ExtensionProfile::TwoByte) {
    while (pos < end) {
      const std::uint8_t id = buffer_[pos];
      if (id == 0) {
        ++pos;
        continue;
      }
      if (end - pos < 2) return false;
      const std::size_t size = buffer_[pos + 1];
      if (end - pos - 2 < size) return false;
      element = Element{pos, pos + 2, size, id};
      pos += 2 + size;
      return true;
    }
    return false;
  }
  return false;
}

std::optional<RtpPacket::Element> RtpPacket::find_element(int id) const {
  if (id <= 0 || id > 255) return std::nullopt;
  std::size_t pos = extension_data_offset_;
  Element element;
  while (next_element(pos, element)) {
    if (element.id == id) return element;
  }
  return std::nullopt;
}

std::span<const std::uint8_t> RtpPacket::extension(int id) const {
  auto element = find_element(id);
  if (!element) return {};
  return std::span<const std::uint8_t>(buffer_.data() + element->offset, element->size);
}

std::span<std::uint8_t> RtpPacket::mutable_extension(int id) {
  auto element = find_element(id);
  if (!element) return {};
  return buffer_.subspan(element->offset, element->size);
}

bool RtpPacket::set_extension_value(int id, std::span<const std::uint8_t> value) {
  auto target = mutable_extension(id);
  if (target.empty() || target.size() != value.size()) return false;
  std::copy(value.begin(), value.end(), target.begin());
  return true;
}

std::optional<std::uint16_t> RtpPacket::extension_u16(int id) const {
  auto value = extension(id);
  if (value.size() != 2) return std::nullopt;
  return load_u16(value, 0);
}

bool RtpPacket::set_extension_u16(int id, std::uint16_t value) {
  auto target = mutable_extension(id);
  if (target.size() != 2) return false;
  store_u16(target, 0, value);
  return true;
}

void RtpPacket::rewrite_extension_ids(const std::array<std::uint8_t, 256>& map) {
  const int max_id = profile_ == ExtensionProfile::OneByte ? 14 : 255;
  std::size_t pos = extension_data_offset_;
  Element element;
  while (next_element(pos, element)) {
    const int new_id = map[static_cast<std::size_t>(element.id)];
    if (new_id == 0 || new_id > max_id) {
      std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(element.header_offset),
                buffer_.begin() + static_cast<std::ptrdiff_t>(element.offset + element.size), std::uint8_t{0});
    } else if (profile_ == ExtensionProfile::OneByte) {
      buffer_[element.header_offset] =
          static_cast<std::uint8_t>((new_id << 4) | (buffer_[element.header_offset] & 0x0F));
    } else {
      buffer_[element.header_offset] = static_cast<std::uint8_t>(new_id);
    }
  }
}

std::span<const std::uint8_t> RtpPacket::payload() const {
  return std::span<const std::uint8_t>(buffer_.data() + header_size_, buffer_.size() - header_size_ - padding_size_);
}

std::span<std::uint8_t> RtpPacket::mutable_payload() {
  return buffer_.subspan(header_size_, buffer_.size() - header_size_ - padding_size_);
}

}  // namespace shoal::rtc::rtp
