#pragma once
// State of one TURN allocation: the mock relayed address, its permissions and channel bindings.
// Permissions and channels live in small fixed-capacity vectors reserved up front, so refreshing
// and looking them up never allocates and a client cannot grow server memory without bound.
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_types.hpp"

namespace shoal::rtc::turn {


struct TurnPermission {
  boost::asio::ip::address ip;
  core::Time expires;
};

struct TurnChannel {
  std::uint16_t number = 0;
  boost::asio::ip::udp::endpoint peer;
  core::Time expires;
};

class TurnAllocation {
 public:
  static constexpr std::size_t kMaxPermissions = 32;
  static constexpr std::size_t kMaxChannels = 32;

  enum class BindResult { Ok, Conflict, Full };

  TurnAllocation(std::string username, const stun::LongTermKey& key, boost::asio::ip::udp::endpoint relayed,
                 core::Time expires);

  const std::string& username() const { return username_; }
  const stun::LongTermKey& key() const { return key_; }
  const boost::asio::ip::udp::endpoint& relayed() const { return relayed_; }
  core::Time expires() const { return expires_; }
  void set_expires(core::Time expires) { expires_ = expires; }
  bool live(core::Time now) const { return now < expires_; }

  // Retransmitted Allocate requests get the original answer (RFC 8656 7.2).
  const stun::TransactionId& allocate_transaction() const { return allocate_transaction_; }
  const std::vector<std::uint8_t>& allocate_response() const { return allocate_response_; }
  void remember_allocate(const stun::TransactionId& id, std::span<const std::uint8_t> response);

  bool has_permission(const boost::asio::ip::address& ip, core::Time now) const;
  // When the live permission for `ip` ends; nullopt without one.
  std::optional<core::Time> permission_expires(const boost::asio::ip::address& ip, core::Time now) const;
  // How many of `ips` would need a new slot; used to check capacity before changing anything.
  std::size_t missing_permissions(std::span<const boost::asio::ip::address> ips, core::Time now) const;
  bool permission_capacity_for(std::size_t extra, core::Time now) const;
  // Installs or refreshes; false when full (callers check capacity first).
  bool refresh_permission(const boost::asio::ip::address& ip, core::Time expires, core::Time now);

  const TurnChannel* channel_by_number(std::uint16_t number, core::Time now) const;
  const TurnChannel* channel_by_peer(const boost::asio::ip::udp::endpoint& peer, core::Time now) const;
  // RFC 8656 12.2 rules: a number stays with one peer and a peer with one number.
  BindResult check_bind(std::uint16_t number, const boost::asio::ip::udp::endpoint& peer, core::Time now) const;
  BindResult bind_channel(std::uint16_t number, const boost::asio::ip::udp::endpoint& peer, core::Time expires,
                          core::Time now);

  void expire(core::Time now);

 private:
  std::string username_;
  stun::LongTermKey key_;
  boost::asio::ip::udp::endpoint relayed_;
  core::Time expires_;
  stun::TransactionId allocate_transaction_{};
  std::vector<std::uint8_t> allocate_response_;
  std::vector<TurnPermission> permissions_;
  std::vector<TurnChannel> channels_;
};

}  // namespace shoal::rtc::turn
