#include "notifications/host_resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace shoal::notifications {

namespace asio = boost::asio;

namespace {

// One lookup, shared by the waiting coroutine and a worker thread. Everything in it is guarded
// by Shared::mutex. The waiter's timer lives in the coroutine's frame: `timer` points at it while
// the waiter waits and is cleared before the frame goes, so a late answer touches nothing gone.
struct Lookup {
  Lookup(std::string h, std::uint16_t p, asio::any_io_executor e) : host(std::move(h)), port(p), executor(e) {}
  std::string host;
  std::uint16_t port;
  asio::any_io_executor executor;
  asio::steady_timer* timer = nullptr;
  std::optional<HostResolver::Result> result;
};

HostResolver::Result lookup(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int status = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (status != 0) return std::string(::gai_strerror(status));
  std::vector<asio::ip::tcp::endpoint> endpoints;
  for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET || entry->ai_family == AF_INET6) {
      asio::ip::tcp::endpoint endpoint;
      std::memcpy(endpoint.data(), entry->ai_addr, entry->ai_addrlen);
      endpoints.push_back(endpoint);
    }
  }
  ::freeaddrinfo(found);
  if (endpoints.empty()) return std::string("no address");
  return endpoints;
}

}  // namespace

struct HostResolver::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Lookup>> queue;
  bool stopping = false;  // set by ~HostResolver, while the loops still run

  void work(const std::shared_ptr<Shared>& self) {
    for (;;) {
      std::shared_ptr<Lookup> next;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        next = std::move(queue.front());
        queue.pop_front();
      }
      auto result = lookup(next->host, next->port);
      std::lock_guard lock(mutex);
      if (stopping || next->timer == nullptr) continue;  // nobody waits any more
      next->result = std::move(result);
      // The post happens before ~HostResolver returns (it takes this mutex), so the loop exists.
      asio::post(next->executor, [self, next] {
        std::lock_guard relock(self->mutex);
        if (next->timer != nullptr) next->timer->cancel();
      });
    }
  }
};

HostResolver::HostResolver() : shared_(std::make_shared<Shared>()) {
  for (std::size_t i = 0; i < kThreads; ++i) {
    std::thread([shared = shared_] { shared->work(shared); }).detach();
  }
}

HostResolver::~HostResolver() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    shared_->queue.clear();
  }
  shared_->wake.notify_all();
}

asio::awaitable<HostResolver::Result> HostResolver::resolve(std::string host, std::uint16_t port,
                                                            std::chrono::milliseconds deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto pending = std::make_shared<Lookup>(std::move(host), port, timer.get_executor());
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->queue.size() >= kMaxQueued) co_return std::string("too many lookups waiting");
    pending->timer = &timer;
    shared_->queue.push_back(pending);
  }
  shared_->wake.notify_one();
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(shared_->mutex);
  pending->timer = nullptr;
  if (pending->result) co_return std::move(*pending->result);
  co_return std::string("timed out");
}

}  // namespace shoal::notifications
