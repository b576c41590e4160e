#pragma once
// Name lookups for outgoing webhook requests, off the event loops and bounded in time. Asio's
// resolver runs all lookups of a loop on one hidden thread, one after another, so a name whose
// DNS server never answers held up every other destination for the resolver's whole timeout
// (tens of seconds with several nameservers). Here lookups run on a few threads of their own,
// every caller gives up at its deadline, and a lookup nobody waits for any more only occupies
// its thread until getaddrinfo returns.
#include "core/result.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace shoal::notifications {

class HostResolver {
 public:
  static constexpr std::size_t kThreads = 4;
  static constexpr std::size_t kMaxQueued = 256;

  HostResolver();
  // Does not wait for lookups still inside getaddrinfo: their threads finish on their own.
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // The addresses of `host` (a name or an IP literal), or why there are none ("timed out" at
  // the deadline). Completes on the caller's executor.
  using Result = core::Result<std::vector<boost::asio::ip::tcp::endpoint>, std::string>;
  boost::asio::awaitable<Result> resolve(std::string host, std::uint16_t port, std::chrono::milliseconds deadline);

  struct Shared;  // the queue, shared with the worker threads

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace shoal::notifications
