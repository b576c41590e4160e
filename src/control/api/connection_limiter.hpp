#pragma once
// Caps open connections of one listener, in all and per client address, so that one client
// cannot take every descriptor (or every slot) of the server. Thread-safe: connections live on
// every loop. A Slot is held for a connection's whole life and gives its place back on
// destruction; it must not outlive its limiter.
#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace shoal::api {

class ConnectionLimiter {
 public:
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  class Slot {
   public:
    Slot(Slot&& other) noexcept : limiter_(std::exchange(other.limiter_, nullptr)), address_(other.address_) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (limiter_ != nullptr) limiter_->release(address_);
    }

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* limiter, const boost::asio::ip::address& address) : limiter_(limiter), address_(address) {}
    ConnectionLimiter* limiter_;
    boost::asio::ip::address address_;
  };

  // A slot for a new connection from `address`, or nullopt when a cap is reached.
  std::optional<Slot> try_acquire(const boost::asio::ip::address& address);

 private:
  void release(const boost::asio::ip::address& address);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<boost::asio::ip::address, std::size_t> per_address_;
};

}  // namespace shoal::api
