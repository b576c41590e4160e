#include "api/connection_limiter.hpp"

namespace shoal::api {

std::optional<ConnectionLimiter::Slot> ConnectionLimiter::try_acquire(const boost::asio::ip::address& address) {
  std::lock_guard lock(mutex_);
  auto& from_address = per_address_[address];
  if (open_ >= max_total_ || from_address >= max_per_address_) {
    if (from_address == 0) per_address_.erase(address);
    return std::nullopt;
  }
  ++open_;
  ++from_address;
  return Slot(this, address);
}

void ConnectionLimiter::release(const boost::asio::ip::address& address) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

}  // namespace shoal::api
