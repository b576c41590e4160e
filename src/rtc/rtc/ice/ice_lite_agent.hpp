#pragma once
// The server half of ICE in lite mode (RFC 8445 2.5): it never sends checks, it answers the
// browser's Binding requests and follows its nominations. Sans-IO: a "path" is whatever the
// transport uses to reach the browser (here: one TURN allocation), named by a number.
#include "rtc/ice/ice_credentials.hpp"
#include "rtc/stun/stun_message.hpp"

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shoal::rtc::ice {

using PathId = std::uint64_t;

enum class BindingVerdict {
  Answered,        // response written; the path is verified
  Nominated,       // answered, and the browser nominated this path (USE-CANDIDATE)
  Unauthenticated, // wrong ufrag or integrity: dropped silently
  NotARequest,     // indications and responses need no answer
};

class IceLiteAgent {
 public:
  IceLiteAgent();

  // New local credentials; the previous pair stays valid until the browser uses the new one,
  // so checks already in flight during a restart are still answered.
  const IceCredentials& restart();
  const IceCredentials& local() const { return current_; }

  // `mapped` is the address the browser is told it was seen from (XOR-MAPPED-ADDRESS).
  BindingVerdict handle_binding(const stun::StunMessage& message, PathId path,
                                const boost::asio::ip::udp::endpoint& mapped, std::vector<std::uint8_t>& response);

  std::optional<PathId> selected_path() const { return selected_; }
  bool verified(PathId path) const;
  void forget_path(PathId path);

 private:
  IceCredentials current_;
  std::optional<IceCredentials> previous_;
  std::optional<PathId> selected_;
  std::vector<PathId> verified_;  // bounded by the number of allocations of one peer
};

}  // namespace shoal::rtc::ice
