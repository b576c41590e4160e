#pragma once
// An event loop on its own thread, for tests of cross-loop hand-offs, and bounded waits on it.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>

namespace shoal::testing {

class LoopThread {
 public:
  LoopThread() : guard_(boost::asio::make_work_guard(loop_)), thread_([this] { loop_.run(); }) {}
  ~LoopThread() {
    guard_.reset();
    loop_.stop();
    thread_.join();
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  boost::asio::io_context& loop() { return loop_; }
  std::thread::id id() const { return thread_.get_id(); }

  // Runs `f` on the loop and waits for it (at most 5 s; then the test fails on a missing value).
  template <typename F>
  auto run(F&& f) -> std::optional<std::conditional_t<std::is_void_v<std::invoke_result_t<F>>, bool,
                                                      std::invoke_result_t<F>>> {
    using R = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<R>) {
      std::promise<bool> done;
      boost::asio::post(loop_, [&] {
        f();
        done.set_value(true);
      });
      auto future = done.get_future();
      if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
      return future.get();
    } else {
      std::promise<R> done;
      boost::asio::post(loop_, [&] { done.set_value(f()); });
      auto future = done.get_future();
      if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
      return future.get();
    }
  }

 private:
  boost::asio::io_context loop_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// Polls `done` until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace shoal::testing
