// Arbitrary bytes through the STUN parser, every typed reader, the integrity and fingerprint
// checks, and the ChannelData parser.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/packet_kind.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"

using namespace shoal::rtc::stun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  if (size > 0) (void)classify_first_byte(data[0]);
  (void)StunMessage::looks_like_stun(bytes);
  if (const auto frame = ChannelData::parse(bytes)) {
    volatile std::size_t sink = frame->payload().size() + frame->channel();
    (void)sink;
  }
  const auto message = StunMessage::parse(bytes);
  if (!message) return 0;
  std::size_t sink = 0;
  message->for_each_attribute([&](const StunAttributeView& a) {
    sink += a.value.size() + a.type;
    return true;
  });
  sink += message->username().value_or("").size() + message->realm().value_or("").size() +
          message->nonce().value_or("").size() + message->software().value_or("").size();
  if (const auto e = message->error_code()) sink += e->code + e->reason.size();
  sink += message->lifetime().value_or(0) + message->priority().value_or(0);
  sink += message->requested_transport().value_or(0) + message->requested_address_family().value_or(0);
  sink += message->channel_number().value_or(0) + (message->data() ? message->data()->size() : 0);
  for (const auto& endpoint : {message->xor_mapped_address(), message->xor_peer_address(),
                               message->xor_relayed_address(), message->mapped_address()}) {
    if (endpoint) sink += endpoint->port();
  }
  sink += message->ice_controlling().value_or(0) + message->ice_controlled().value_or(0);
  sink += message->use_candidate() + message->dont_fragment() + message->even_port().value_or(false) +
          message->has_reservation_token();
  sink += verify_fingerprint(*message);
  sink += verify_message_integrity(*message, short_term_key("VOkJxbRl1RmTxUk/WvJxBt"));
  sink += verify_message_integrity(*message, long_term_key("u", "r", "p"));
  volatile std::size_t keep = sink;
  (void)keep;
  return 0;
}
