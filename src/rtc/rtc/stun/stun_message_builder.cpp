#include "rtc/stun/stun_message_builder.hpp"

#include <algorithm>

#include "rtc/stun/message_integrity.hpp"

namespace shoal::rtc::stun {
namespace {

constexpr std::size_t kMaxBody = 0xFFFC;  // largest multiple of 4 that fits the 16-bit length

void put_u16(std::uint8_t* at, std::uint16_t v) {
  at[0] = static_cast<std::uint8_t>(v >> 8);
  at[1] = static_cast<std::uint8_t>(v);
}

void put_u32(std::uint8_t* at, std::uint32_t v) {
  put_u16(at, static_cast<std::uint16_t>(v >> 16));
  put_u16(at + 2, static_cast<std::uint16_t>(v));
}

}  // namespace

std::string_view default_reason(std::uint16_t code) {
  switch (code) {
    case 300: return "Try Alternate";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 420: return "Unknown Attribute";
    case 437: return "Allocation Mismatch";
    case 438: return "Stale Nonce";
    case 440: return "Address Family not Supported";
    case 441: return "Wrong Credentials";
    case 442: return "Unsupported Transport Protocol";
    case 443: return "Peer Address Family Mismatch";
    case 486: return "Allocation Quota Reached";
    case 487: return "Role Conflict";
    case 500: return "Server Error";
    case 508: return "Insufficient Capacity";
    default: return "Error";
  }
}

StunMessageBuilder::StunMessageBuilder(std::vector<std::uint8_t>& out, StunMethod method, StunClass cls,
                                       const TransactionId& id)
    : out_(&out) {
  out.resize(kHeaderSize);
  put_u16(out.data(), compose_message_type(method, cls));
  put_u16(out.data() + 2, 0);
  put_u32(out.data() + 4, kMagicCookie);
  std::copy(id.begin(), id.end(), out.begin() + 8);
}

void StunMessageBuilder::set_length(std::size_t body_length) {
  put_u16(out_->data() + 2, static_cast<std::uint16_t>(body_length));
}

std::uint8_t* StunMessageBuilder::begin_attribute(StunAttr type, std::size_t length) {
  if (!ok_ || sealed_) {
    ok_ = false;
    return nullptr;
  }
  const std::size_t padded_length = (length + 3) & ~std::size_t{3};
  const std::size_t start = out_->size();
  if (length > 0xFFFF || start - kHeaderSize + kAttributeHeaderSize + padded_length > kMaxBody) {
    ok_ = false;
    return nullptr;
  }
  out_->resize(start + kAttributeHeaderSize + padded_length, 0);  // zero padding
  std::uint8_t* at = out_->data() + start;
  put_u16(at, static_cast<std::uint16_t>(type));
  put_u16(at + 2, static_cast<std::uint16_t>(length));
  set_length(out_->size() - kHeaderSize);
  return at + kAttributeHeaderSize;
}

StunMessageBuilder& StunMessageBuilder::add(StunAttr type, std::span<const std::uint8_t> value) {
  if (std::uint8_t* at = begin_attribute(type, value.size())) std::copy(value.begin(), value.end(), at);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_string(StunAttr type, std::string_view value) {
  return add(type, {reinterpret_cast<const std::uint8_t*>(value.data()), value.size()});
}

StunMessageBuilder& StunMessageBuilder::add_u32(StunAttr type, std::uint32_t value) {
  if (std::uint8_t* at = begin_attribute(type, 4)) put_u32(at, value);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_u64(StunAttr type, std::uint64_t value) {
  if (std::uint8_t* at = begin_attribute(type, 8)) {
    put_u32(at, static_cast<std::uint32_t>(value >> 32));
    put_u32(at + 4, static_cast<std::uint32_t>(value));
  }
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_flag(StunAttr type) {
  begin_attribute(type, 0);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_xor_address(StunAttr type, const boost::asio::ip::udp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const bool v4 = address.is_v4();
  std::uint8_t* at = begin_attribute(type, v4 ? 8 : 20);
  if (at == nullptr) return *this;
  at[0] = 0;
  at[1] = v4 ? 0x01 : 0x02;
  put_u16(at + 2, static_cast<std::uint16_t>(endpoint.port() ^ (kMagicCookie >> 16)));
  if (v4) {
    put_u32(at + 4, address.to_v4().to_uint() ^ kMagicCookie);
  } else {
    const auto ip = address.to_v6().to_bytes();
    // Header bytes 4..19 are the cookie followed by the transaction id.
    const std::uint8_t* mask = out_->data() + 4;
    for (std::size_t i = 0; i < ip.size(); ++i) at[4 + i] = ip[i] ^ mask[i];
  }
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_error_code(std::uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699) {
    ok_ = false;
    return *this;
  }
  std::uint8_t* at = begin_attribute(StunAttr::ErrorCode, 4 + reason.size());
  if (at == nullptr) return *this;
  at[0] = 0;
  at[1] = 0;
  at[2] = static_cast<std::uint8_t>(code / 100);
  at[3] = static_cast<std::uint8_t>(code % 100);
  std::copy(reason.begin(), reason.end(), at + 4);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_requested_transport(std::uint8_t protocol) {
  if (std::uint8_t* at = begin_attribute(StunAttr::RequestedTransport, 4)) at[0] = protocol;
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_requested_address_family(std::uint8_t family) {
  if (std::uint8_t* at = begin_attribute(StunAttr::RequestedAddressFamily, 4)) at[0] = family;
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_channel_number(std::uint16_t channel) {
  if (std::uint8_t* at = begin_attribute(StunAttr::ChannelNumber, 4)) put_u16(at, channel);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_even_port(bool reserve_next) {
  if (std::uint8_t* at = begin_attribute(StunAttr::EvenPort, 1)) at[0] = reserve_next ? 0x80 : 0x00;
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  std::uint8_t* at = begin_attribute(StunAttr::UnknownAttributes, types.size() * 2);
  if (at == nullptr) return *this;
  for (std::size_t i = 0; i < types.size(); ++i) put_u16(at + 2 * i, types[i]);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_message_integrity(std::span<const std::uint8_t> key) {
  const std::size_t start = out_->size();
  std::uint8_t* at = begin_attribute(StunAttr::MessageIntegrity, 20);
  if (at == nullptr) return *this;
  // The length now covers MESSAGE-INTEGRITY itself, exactly what the HMAC input needs.
  const auto bytes = std::span<const std::uint8_t>(*out_);
  const auto tag = compute_integrity(bytes.first(kHeaderSize), bytes.subspan(kHeaderSize, start - kHeaderSize), key);
  if (!tag) {
    ok_ = false;
    return *this;
  }
  std::copy(tag->begin(), tag->end(), out_->data() + start + kAttributeHeaderSize);
  return *this;
}

StunMessageBuilder& StunMessageBuilder::add_fingerprint() {
  const std::size_t start = out_->size();
  std::uint8_t* at = begin_attribute(StunAttr::Fingerprint, 4);
  if (at == nullptr) return *this;
  put_u32(at, crc32(std::span<const std::uint8_t>(out_->data(), start)) ^ kFingerprintXor);
  sealed_ = true;
  return *this;
}

}  // namespace shoal::rtc::stun
