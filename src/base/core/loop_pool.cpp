#include "core/loop_pool.hpp"

namespace shoal::core {

LoopPool::LoopPool(std::size_t loop_count) {
  if (loop_count == 0) loop_count = 1;
  for (std::size_t i = 0; i < loop_count; ++i) {
    // concurrency hint 1: each loop is run by a single thread, which Asio optimises for.
    loops_.push_back(std::make_unique<Loop>(1));
    guards_.emplace_back(loops_.back()->get_executor());
  }
}

LoopPool::~LoopPool() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  shutdown();
}

boost::asio::io_context& LoopPool::next_loop() {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

void LoopPool::run() {
  for (std::size_t i = 1; i < loops_.size(); ++i) {
    threads_.emplace_back([ctx = loops_[i].get()] { ctx->run(); });
  }
  loops_[0]->run();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void LoopPool::shutdown() {
  // Destroying a handler can post to a loop already shut down (a closing socket's last message),
  // so a second pass destroys what the first one left queued - still with every loop alive.
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& l : loops_) l->shutdown();
  }
}

void LoopPool::stop() {
  guards_.clear();
  for (auto& l : loops_) l->stop();
}

}  // namespace shoal::core
