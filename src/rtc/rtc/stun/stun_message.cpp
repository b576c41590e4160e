#include "rtc/stun/stun_message.hpp"

#include "rtc/common/big_endian.hpp"

#include <algorithm>

namespace shoal::rtc::stun {
namespace {

using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;
using boost::asio::ip::udp;

std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// Length caps from RFC 8489 14 (bytes, not characters, so they are the byte ceilings).
constexpr std::size_t kMaxUsername = 513;
constexpr std::size_t kMaxRealmOrNonce = 763;

std::optional<std::string_view> as_text(std::optional<std::span<const std::uint8_t>> value, std::size_t max) {
  if (!value || value->size() > max) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(value->data()), value->size());
}

std::optional<std::uint32_t> as_u32(std::optional<std::span<const std::uint8_t>> value) {
  if (!value || value->size() != 4) return std::nullopt;
  return load_u32(*value, 0);
}

std::optional<std::uint64_t> as_u64(std::optional<std::span<const std::uint8_t>> value) {
  if (!value || value->size() != 8) return std::nullopt;
  return (std::uint64_t{load_u32(*value, 0)} << 32) | load_u32(*value, 4);
}

}  // namespace

bool StunMessage::looks_like_stun(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize || (bytes[0] & 0xC0) != 0) return false;
  const std::size_t length = load_u16(bytes, 2);
  return length % 4 == 0 && length + kHeaderSize == bytes.size() && load_u32(bytes, 4) == kMagicCookie;
}

std::optional<StunMessage> StunMessage::parse(std::span<const std::uint8_t> bytes) {
  if (!looks_like_stun(bytes)) return std::nullopt;

  StunMessage message;
  message.bytes_ = bytes;
  message.type_ = load_u16(bytes, 0);
  std::copy_n(bytes.begin() + 8, message.transaction_id_.size(), message.transaction_id_.begin());

  std::size_t offset = kHeaderSize;
  while (offset < bytes.size()) {
    if (message.fingerprint_offset_) return std::nullopt;  // FINGERPRINT must be the last attribute
    if (bytes.size() - offset < kAttributeHeaderSize) return std::nullopt;
    const std::uint16_t type = load_u16(bytes, offset);
    const std::size_t length = load_u16(bytes, offset + 2);
    if (padded(length) > bytes.size() - offset - kAttributeHeaderSize) return std::nullopt;

    if (type == static_cast<std::uint16_t>(StunAttr::Fingerprint)) {
      if (length != 4) return std::nullopt;
      message.fingerprint_offset_ = offset;
    } else if (!message.integrity_offset_) {
      if (type == static_cast<std::uint16_t>(StunAttr::MessageIntegrity)) {
        if (length != 20) return std::nullopt;
        message.integrity_offset_ = offset;
      } else {
        message.attributes_end_ = offset + kAttributeHeaderSize + padded(length);
      }
    }
    offset += kAttributeHeaderSize + padded(length);
  }
  return message;
}

StunAttributeView StunMessage::attribute_at(std::size_t offset) const {
  return {load_u16(bytes_, offset), bytes_.subspan(offset + kAttributeHeaderSize, load_u16(bytes_, offset + 2))};
}

std::optional<std::span<const std::uint8_t>> StunMessage::find(StunAttr type) const {
  std::optional<std::span<const std::uint8_t>> found;
  for_each_attribute([&](const StunAttributeView& attribute) {
    if (attribute.type != static_cast<std::uint16_t>(type)) return true;
    found = attribute.value;
    return false;
  });
  return found;
}

std::optional<std::string_view> StunMessage::username() const { return as_text(find(StunAttr::Username), kMaxUsername); }
std::optional<std::string_view> StunMessage::realm() const { return as_text(find(StunAttr::Realm), kMaxRealmOrNonce); }
std::optional<std::string_view> StunMessage::nonce() const { return as_text(find(StunAttr::Nonce), kMaxRealmOrNonce); }
std::optional<std::string_view> StunMessage::software() const { return as_text(find(StunAttr::Software), kMaxRealmOrNonce); }

std::optional<StunErrorCode> StunMessage::error_code() const {
  const auto value = find(StunAttr::ErrorCode);
  if (!value || value->size() < 4 || value->size() > 4 + kMaxRealmOrNonce) return std::nullopt;
  const unsigned cls = (*value)[2] & 0x07;
  const unsigned number = (*value)[3];
  if (cls < 3 || cls > 6 || number > 99) return std::nullopt;
  return StunErrorCode{static_cast<std::uint16_t>(cls * 100 + number),
                       std::string_view(reinterpret_cast<const char*>(value->data() + 4), value->size() - 4)};
}

std::optional<std::uint32_t> StunMessage::lifetime() const { return as_u32(find(StunAttr::Lifetime)); }
std::optional<std::uint32_t> StunMessage::priority() const { return as_u32(find(StunAttr::Priority)); }
std::optional<std::uint64_t> StunMessage::ice_controlling() const { return as_u64(find(StunAttr::IceControlling)); }
std::optional<std::uint64_t> StunMessage::ice_controlled() const { return as_u64(find(StunAttr::IceControlled)); }

std::optional<std::uint8_t> StunMessage::requested_transport() const {
  const auto value = find(StunAttr::RequestedTransport);
  if (!value || value->size() != 4) return std::nullopt;
  return (*value)[0];
}

std::optional<std::uint8_t> StunMessage::requested_address_family() const {
  const auto value = find(StunAttr::RequestedAddressFamily);
  if (!value || value->size() != 4) return std::nullopt;
  return (*value)[0];
}

std::optional<std::uint16_t> StunMessage::channel_number() const {
  const auto value = find(StunAttr::ChannelNumber);
  if (!value || value->size() != 4) return std::nullopt;
  return load_u16(*value, 0);
}

std::optional<std::span<const std::uint8_t>> StunMessage::data() const { return find(StunAttr::Data); }

std::optional<bool> StunMessage::even_port() const {
  const auto value = find(StunAttr::EvenPort);
  if (!value || value->size() != 1) return std::nullopt;
  return ((*value)[0] & 0x80) != 0;
}

std::optional<udp::endpoint> StunMessage::decode_xor_address(std::span<const std::uint8_t> value) const {
  if (value.size() < 4) return std::nullopt;
  const std::uint8_t family = value[1];
  const auto port = static_cast<std::uint16_t>(load_u16(value, 2) ^ (kMagicCookie >> 16));
  if (family == 0x01 && value.size() == 8) {
    return udp::endpoint(address_v4(load_u32(value, 4) ^ kMagicCookie), port);
  }
  if (family == 0x02 && value.size() == 20) {
    // IPv6 is xored with cookie || transaction id, i.e. bytes 4..19 of the header.
    address_v6::bytes_type ip{};
    for (std::size_t i = 0; i < ip.size(); ++i) ip[i] = value[4 + i] ^ bytes_[4 + i];
    return udp::endpoint(address_v6(ip), port);
  }
  return std::nullopt;
}

std::optional<udp::endpoint> StunMessage::xor_mapped_address() const {
  const auto value = find(StunAttr::XorMappedAddress);
  return value ? decode_xor_address(*value) : std::nullopt;
}

std::optional<udp::endpoint> StunMessage::xor_peer_address() const {
  const auto value = find(StunAttr::XorPeerAddress);
  return value ? decode_xor_address(*value) : std::nullopt;
}

std::optional<udp::endpoint> StunMessage::xor_relayed_address() const {
  const auto value = find(StunAttr::XorRelayedAddress);
  return value ? decode_xor_address(*value) : std::nullopt;
}

std::optional<udp::endpoint> StunMessage::mapped_address() const {
  const auto value = find(StunAttr::MappedAddress);
  if (!value || value->size() < 4) return std::nullopt;
  const std::uint16_t port = load_u16(*value, 2);
  if ((*value)[1] == 0x01 && value->size() == 8) return udp::endpoint(address_v4(load_u32(*value, 4)), port);
  if ((*value)[1] == 0x02 && value->size() == 20) {
    address_v6::bytes_type ip{};
    std::copy_n(value->begin() + 4, ip.size(), ip.begin());
    return udp::endpoint(address_v6(ip), port);
  }
  return std::nullopt;
}

}  // namespace shoal::rtc::stun
