#pragma once
// One shoal node's lifetime in explicit phases, so that no correctness depends on the order in
// which members happen to be declared:
//   construct  - services built, nothing started, no thread running;
//   start()    - distribution joined, REST/WebSocket and metrics listeners bound, timers armed;
//                on failure the message is returned and run() must not be called;
//   run()      - serves until stop() (or SIGTERM/SIGINT) and the sockets' drain end;
//   destructor - stops every thread first, then destroys the work still queued while every
//                object that work may refer to exists, and only then the objects.
#include "api/http_listener.hpp"
#include "config/config.hpp"
#include "core/loop_pool.hpp"
#include "server/node.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace shoal::app {

class Application {
 public:
  explicit Application(const config::Config& config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  std::optional<std::string> start();
  void run();
  // Any thread: stop accepting, close every socket with a close frame, and let run() return
  // once they are closed or after a bounded drain.
  void stop();

 private:
  std::optional<std::string> start_cluster();
  void wait_for_sockets();
  void shut_down_threads();

  const config::Config& config_;
  core::LoopPool loops_;
  server::Node node_;
  api::HttpListener api_;
  api::HttpListener metrics_http_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_;
  std::chrono::steady_clock::time_point drain_deadline_{};
  bool stopping_ = false;  // loop 0 only
  bool threads_down_ = false;
};

}  // namespace shoal::app
