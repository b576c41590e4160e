#pragma once
// A parsed STUN message: a validated view over the caller's buffer. Nothing is copied, so the
// message must not outlive the buffer it was parsed from.
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtc/stun/stun_types.hpp"

namespace shoal::rtc::stun {

struct StunErrorCode {
  std::uint16_t code = 0;  // 300..699
  std::string_view reason;
};

struct StunAttributeView {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> value;
};

class StunMessage {
 public:
  // Accepts exactly one whole message: the header length must match the buffer size, attributes
  // must tile the body exactly (with padding), FINGERPRINT, when present, must be last.
  static std::optional<StunMessage> parse(std::span<const std::uint8_t> bytes);

  // Cheap pre-check used by demultiplexers: top two bits zero, cookie present, sizes consistent.
  static bool looks_like_stun(std::span<const std::uint8_t> bytes);

  std::uint16_t type() const { return type_; }
  std::uint16_t method() const { return method_of(type_); }
  bool is(StunMethod method, StunClass cls) const { return type_ == compose_message_type(method, cls); }
  StunClass message_class() const { return class_of(type_); }
  const TransactionId& transaction_id() const { return transaction_id_; }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

  // First attribute of that type. Attributes after MESSAGE-INTEGRITY are ignored as RFC 8489
  // 14.5 requires (except FINGERPRINT, reachable through fingerprint()).
  std::optional<std::span<const std::uint8_t>> find(StunAttr type) const;
  bool has(StunAttr type) const { return find(type).has_value(); }

  // Visits every attribute before MESSAGE-INTEGRITY in order; returning false stops the walk.
  template <typename F>
  void for_each_attribute(F&& visit) const {
    std::size_t offset = kHeaderSize;
    while (offset < attributes_end_) {
      const StunAttributeView attribute = attribute_at(offset);
      if (!visit(attribute)) return;
      offset += kAttributeHeaderSize + ((attribute.value.size() + 3) & ~std::size_t{3});
    }
  }

  // Typed readers: nullopt when absent or malformed.
  std::optional<std::string_view> username() const;
  std::optional<std::string_view> realm() const;
  std::optional<std::string_view> nonce() const;
  std::optional<std::string_view> software() const;
  std::optional<StunErrorCode> error_code() const;
  std::optional<std::uint32_t> lifetime() const;
  std::optional<std::uint8_t> requested_transport() const;    // IANA protocol number, 17 = UDP
  std::optional<std::uint8_t> requested_address_family() const;  // 0x01 IPv4, 0x02 IPv6
  std::optional<std::uint16_t> channel_number() const;
  std::optional<std::span<const std::uint8_t>> data() const;
  std::optional<boost::asio::ip::udp::endpoint> xor_mapped_address() const;
  std::optional<boost::asio::ip::udp::endpoint> xor_peer_address() const;
  std::optional<boost::asio::ip::udp::endpoint> xor_relayed_address() const;
  std::optional<boost::asio::ip::udp::endpoint> mapped_address() const;
  // Decodes any XOR-*-ADDRESS attribute value with this message's transaction id.
  std::optional<boost::asio::ip::udp::endpoint> decode_xor_address(std::span<const std::uint8_t> value) const;
  std::optional<std::uint32_t> priority() const;
  bool use_candidate() const { return has(StunAttr::UseCandidate); }
  std::optional<std::uint64_t> ice_controlling() const;  // tie-breaker
  std::optional<std::uint64_t> ice_controlled() const;
  bool dont_fragment() const { return has(StunAttr::DontFragment); }
  std::optional<bool> even_port() const;  // value = R bit (reserve next port)
  bool has_reservation_token() const { return has(StunAttr::ReservationToken); }

  // Offset of the MESSAGE-INTEGRITY attribute header, if any; used by the integrity check.
  std::optional<std::size_t> message_integrity_offset() const { return integrity_offset_; }
  std::optional<std::size_t> fingerprint_offset() const { return fingerprint_offset_; }

 private:
  StunAttributeView attribute_at(std::size_t offset) const;

  std::span<const std::uint8_t> bytes_;
  std::uint16_t type_ = 0;
  TransactionId transaction_id_{};
  std::size_t attributes_end_ = kHeaderSize;  // end of attributes visible to find()
  std::optional<std::size_t> integrity_offset_;
  std::optional<std::size_t> fingerprint_offset_;
};

}  // namespace shoal::rtc::stun
