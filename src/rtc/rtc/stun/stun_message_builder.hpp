#pragma once
// Writes one STUN message into a reusable byte vector. The vector is cleared but keeps its
// capacity, so a long-lived vector makes steady-state building allocation-free. The header
// length is kept correct after every call, which MESSAGE-INTEGRITY and FINGERPRINT rely on.
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "rtc/stun/stun_types.hpp"

namespace shoal::rtc::stun {

// Standard reason phrases for the error codes STUN/TURN servers send.
std::string_view default_reason(std::uint16_t code);

class StunMessageBuilder {
 public:
  StunMessageBuilder(std::vector<std::uint8_t>& out, StunMethod method, StunClass cls, const TransactionId& id);

  StunMessageBuilder& add(StunAttr type, std::span<const std::uint8_t> value);
  StunMessageBuilder& add_string(StunAttr type, std::string_view value);  // USERNAME, REALM, NONCE, SOFTWARE
  StunMessageBuilder& add_u32(StunAttr type, std::uint32_t value);       // LIFETIME, PRIORITY
  StunMessageBuilder& add_u64(StunAttr type, std::uint64_t value);       // ICE-CONTROLLING/CONTROLLED
  StunMessageBuilder& add_flag(StunAttr type);                           // USE-CANDIDATE, DONT-FRAGMENT
  StunMessageBuilder& add_xor_address(StunAttr type, const boost::asio::ip::udp::endpoint& endpoint);
  StunMessageBuilder& add_error_code(std::uint16_t code, std::string_view reason);
  StunMessageBuilder& add_error_code(std::uint16_t code) { return add_error_code(code, default_reason(code)); }
  StunMessageBuilder& add_requested_transport(std::uint8_t protocol = 17);
  StunMessageBuilder& add_requested_address_family(std::uint8_t family);
  StunMessageBuilder& add_channel_number(std::uint16_t channel);
  StunMessageBuilder& add_even_port(bool reserve_next);
  StunMessageBuilder& add_unknown_attributes(std::span<const std::uint16_t> types);

  // Both are meant to be last (FINGERPRINT after MESSAGE-INTEGRITY); nothing may follow FINGERPRINT.
  StunMessageBuilder& add_message_integrity(std::span<const std::uint8_t> key);
  StunMessageBuilder& add_fingerprint();

  // False when an attribute did not fit (body > 65535 bytes), something followed FINGERPRINT,
  // or the HMAC failed; the bytes are then not a valid message and must not be sent.
  bool ok() const { return ok_; }
  std::span<const std::uint8_t> bytes() const { return *out_; }

 private:
  std::uint8_t* begin_attribute(StunAttr type, std::size_t length);
  void set_length(std::size_t body_length);

  std::vector<std::uint8_t>* out_;
  bool ok_ = true;
  bool sealed_ = false;
};

}  // namespace shoal::rtc::stun
