#include "rtc/turn/turn_allocation.hpp"

#include <algorithm>

namespace shoal::rtc::turn {

TurnAllocation::TurnAllocation(std::string username, const stun::LongTermKey& key,
                               boost::asio::ip::udp::endpoint relayed, core::Time expires)
    : username_(std::move(username)), key_(key), relayed_(relayed), expires_(expires) {
  permissions_.reserve(kMaxPermissions);
  channels_.reserve(kMaxChannels);
}

void TurnAllocation::remember_allocate(const stun::TransactionId& id, std::span<const std::uint8_t> response) {
  allocate_transaction_ = id;
  allocate_response_.assign(response.begin(), response.end());
}

bool TurnAllocation::has_permission(const boost::asio::ip::address& ip, core::Time now) const {
  return permission_expires(ip, now).has_value();
}

std::optional<core::Time> TurnAllocation::permission_expires(const boost::asio::ip::address& ip, core::Time now) const {
  for (const auto& p : permissions_) {
    if (p.ip == ip && now < p.expires) return p.expires;
  }
  return std::nullopt;
}

std::size_t TurnAllocation::missing_permissions(std::span<const boost::asio::ip::address> ips, core::Time now) const {
  std::size_t missing = 0;
  for (std::size_t i = 0; i < ips.size(); ++i) {
    const bool repeated = std::find(ips.begin(), ips.begin() + static_cast<std::ptrdiff_t>(i), ips[i]) !=
                          ips.begin() + static_cast<std::ptrdiff_t>(i);
    const bool present = std::any_of(permissions_.begin(), permissions_.end(),
                                     [&](const TurnPermission& p) { return p.ip == ips[i] && now < p.expires; });
    if (!repeated && !present) ++missing;
  }
  return missing;
}

bool TurnAllocation::permission_capacity_for(std::size_t extra, core::Time now) const {
  const auto live = static_cast<std::size_t>(
      std::count_if(permissions_.begin(), permissions_.end(), [&](const TurnPermission& p) { return now < p.expires; }));
  return live + extra <= kMaxPermissions;
}

bool TurnAllocation::refresh_permission(const boost::asio::ip::address& ip, core::Time expires, core::Time now) {
  for (auto& p : permissions_) {
    if (p.ip == ip) {
      p.expires = expires;
      return true;
    }
  }
  for (auto& p : permissions_) {
    if (!(now < p.expires)) {  // reuse an expired slot
      p = {ip, expires};
      return true;
    }
  }
  if (permissions_.size() >= kMaxPermissions) return false;
  permissions_.push_back({ip, expires});
  return true;
}

const TurnChannel* TurnAllocation::channel_by_number(std::uint16_t number, core::Time now) const {
  for (const auto& c : channels_) {
    if (c.number == number && now < c.expires) return &c;
  }
  return nullptr;
}

const TurnChannel* TurnAllocation::channel_by_peer(const boost::asio::ip::udp::endpoint& peer, core::Time now) const {
  for (const auto& c : channels_) {
    if (c.peer == peer && now < c.expires) return &c;
  }
  return nullptr;
}

TurnAllocation::BindResult TurnAllocation::check_bind(std::uint16_t number, const boost::asio::ip::udp::endpoint& peer,
                                                      core::Time now) const {
  const TurnChannel* by_number = channel_by_number(number, now);
  const TurnChannel* by_peer = channel_by_peer(peer, now);
  if (by_number != by_peer) return BindResult::Conflict;
  if (by_number != nullptr) return BindResult::Ok;  // refresh of the same binding
  const bool free_slot = channels_.size() < kMaxChannels ||
                         std::any_of(channels_.begin(), channels_.end(), [&](const TurnChannel& c) { return !(now < c.expires); });
  return free_slot ? BindResult::Ok : BindResult::Full;
}

TurnAllocation::BindResult TurnAllocation::bind_channel(std::uint16_t number,
                                                        const boost::asio::ip::udp::endpoint& peer, core::Time expires,
                                                        core::Time now) {
  const BindResult result = check_bind(number, peer, now);
  if (result != BindResult::Ok) return result;
  for (auto& c : channels_) {
    if (c.number == number && now < c.expires) {
      c.expires = expires;
      return BindResult::Ok;
    }
  }
  for (auto& c : channels_) {
    if (!(now < c.expires)) {
      c = {number, peer, expires};
      return BindResult::Ok;
    }
  }
  channels_.push_back({number, peer, expires});
  return BindResult::Ok;
}

void TurnAllocation::expire(core::Time now) {
  std::erase_if(permissions_, [&](const TurnPermission& p) { return !(now < p.expires); });
  std::erase_if(channels_, [&](const TurnChannel& c) { return !(now < c.expires); });
}

}  // namespace shoal::rtc::turn
