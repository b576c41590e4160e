#pragma once
// A fixed set of single-threaded event loops, about one per core. Every room, and every
// connection, lives on exactly one loop and is touched only there; work for another loop is
// posted to it as a message.
#include "core/shutdown_context.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace shoal::core {

class LoopPool {
 public:
  explicit LoopPool(std::size_t loop_count);
  ~LoopPool();
  LoopPool(const LoopPool&) = delete;
  LoopPool& operator=(const LoopPool&) = delete;

  std::size_t size() const { return loops_.size(); }
  boost::asio::io_context& loop(std::size_t index) { return *loops_[index]; }
  // Round-robin choice for new rooms and connections.
  boost::asio::io_context& next_loop();

  // Runs loops 1..n-1 on their own threads and loop 0 on the calling thread until stop().
  void run();
  void stop();
  // After run() has returned: destroys every loop's pending handlers while all loops (and
  // whatever the caller still owns) are alive. A handler on one loop can own objects bound to
  // another - an HTTP connection holds the listener whose acceptor is on loop 0 - and destroying
  // it after that loop's io_context is gone is a use-after-free. The destructor does it too.
  void shutdown();

 private:
  using Loop = ShutdownContext<boost::asio::io_context>;
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace shoal::core
