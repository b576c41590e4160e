// The ICE-lite agent's Binding handler on arbitrary STUN, and on Binding requests that carry a
// correct MESSAGE-INTEGRITY around fuzzer-chosen attributes (so the authenticated path, the
// nomination and the response writer are reached, not only the integrity check).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rtc/ice/ice_lite_agent.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"

using namespace shoal::rtc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ice::IceLiteAgent agent;
  const boost::asio::ip::udp::endpoint mapped(boost::asio::ip::make_address("127.0.0.1"), 50000);
  std::vector<std::uint8_t> response;
  const std::span<const std::uint8_t> bytes(data, size);
  const ice::PathId path = size > 0 ? data[0] % 4 : 0;
  if (auto message = stun::StunMessage::parse(bytes)) (void)agent.handle_binding(*message, path, mapped, response);

  // The same bytes as the remote ufrag and flags of a request signed with the agent's password.
  if (size < 2) return 0;
  const auto& local = agent.local();
  std::vector<std::uint8_t> request;
  stun::TransactionId id{};
  for (std::size_t i = 0; i < id.size() && i < size; ++i) id[i] = data[i];
  stun::StunMessageBuilder builder(request, stun::StunMethod::Binding, stun::StunClass::Request, id);
  const std::string remote(reinterpret_cast<const char*>(data + 2), size - 2);
  builder.add_string(stun::StunAttr::Username, local.ufrag + ":" + remote.substr(0, 200));
  if (data[1] & 1) builder.add_u32(stun::StunAttr::Priority, static_cast<std::uint32_t>(size) * 7919);
  if (data[1] & 2) builder.add_flag(stun::StunAttr::UseCandidate);
  if (data[1] & 4) builder.add_u64(stun::StunAttr::IceControlling, size);
  if (data[1] & 8) builder.add_u64(stun::StunAttr::IceControlled, size);
  builder.add_message_integrity(stun::short_term_key(local.pwd));
  if (data[1] & 16) builder.add_fingerprint();
  if (auto message = stun::StunMessage::parse(request)) {
    (void)agent.handle_binding(*message, path, mapped, response);
    if (data[1] & 32) agent.forget_path(path);
    if (data[1] & 64) (void)agent.restart();
  }
  return 0;
}
