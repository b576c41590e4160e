#pragma once
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace shoal::rtc::turn {

struct TurnServerConfig {
  std::string secret;                              // credentials are checked against turn_password(secret, username)
  std::string realm = "turn.stun.localhost";
  boost::asio::ip::address advertised_ip;          // JF_WEBRTC_TURN_IP: mock relayed address and XOR-MAPPED of checks
  std::uint16_t relay_port_min = 55000, relay_port_max = 59999;  // mock relayed ports (nothing listens)
  std::chrono::seconds default_lifetime{600}, max_lifetime{3600}, permission_lifetime{300}, channel_lifetime{600};
  std::size_t max_allocations = 64;                // per server; bounded state
  // Nonces are stateless (MAC over issue time and client); older ones draw 438 Stale Nonce.
  std::chrono::seconds nonce_lifetime{3600};
};

}  // namespace shoal::rtc::turn
