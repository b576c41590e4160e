#pragma once
// One shoal node's lifetime in explicit phases, so that no correctness depends on the order in
// which members happen to be declared:
//   construct  - services built, nothing started, no thread running;
//   start()    - distribution joined, REST/WebSocket and metrics listeners bound, timers armed;
//                on failure the message is returned and run() must not be called;
//   run()      - serves until stop() and the sockets' drain end; SIGTERM/SIGINT drains first
//                (drain()), a second one stops at once;
//   destructor - stops every thread first, then destroys the work still queued while every
//                object that work may refer to exists, and only then the objects.
#include "api/http_listener.hpp"
#include "config/config.hpp"
#include "core/loop_pool.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "server/node.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace shoal::app {

class Application {
 public:
  explicit Application(const config::Config& config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // The error text, ready to print, when the node cannot start.
  core::Result<void, std::string> start();
  void run();
  // Any thread: stop accepting, close every socket with a close frame, and let run() return
  // once they are closed or after a bounded drain.
  void stop();
  // Any thread: take no new rooms or peers (the cluster is told, and places rooms elsewhere),
  // serve the rooms until they end or `timeout` passes, then close them as deleted (with their
  // notifications and webhooks, bounded) and stop(). Called again, it can only bring the deadline
  // forward.
  void drain(std::chrono::seconds timeout);

 private:
  core::Result<void, std::string> start_cluster();
  void wait_for_signal();
  void begin_drain(std::chrono::seconds timeout);  // loop 0
  void check_drain();
  void close_rooms_and_stop();
  void wait_for_notifications(std::shared_ptr<std::atomic<std::size_t>> closing);
  void wait_for_sockets();
  void shut_down_threads();

  const config::Config& config_;
  core::LoopPool loops_;
  server::Node node_;
  api::HttpListener api_;
  api::HttpListener metrics_http_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_;
  core::Time drain_deadline_{};
  boost::asio::steady_timer room_drain_;
  std::optional<core::Time> rooms_until_;  // loop 0 only: set while draining
  core::Time notifications_until_{};
  bool stopping_ = false;  // loop 0 only
  bool threads_down_ = false;
};

}  // namespace shoal::app
