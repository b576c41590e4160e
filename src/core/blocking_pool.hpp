#pragma once
// Threads for work that blocks (distribution calls), kept off the event loops. Like LoopPool
// it exposes the first half of Asio's teardown, so the server can destroy queued work while
// the loops that work resumes on still exist.
#include <boost/asio/thread_pool.hpp>

#include <cstddef>

namespace shoal::core {

class BlockingPool : public boost::asio::thread_pool {
 public:
  explicit BlockingPool(std::size_t threads) : thread_pool(threads) {}
  // After stop() and join(): destroys the work still queued.
  using execution_context::shutdown;
};

}  // namespace shoal::core
