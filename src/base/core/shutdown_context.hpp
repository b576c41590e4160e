#pragma once
// An Asio execution context whose first half of teardown (execution_context::shutdown, which
// destroys queued work) can be called on its own. A handler queued on one context can own
// objects bound to another; the server destroys all queued work while every context still
// exists, and only then the contexts themselves.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/thread_pool.hpp>

namespace shoal::core {

template <typename Context>
class ShutdownContext : public Context {
 public:
  using Context::Context;
  using boost::asio::execution_context::shutdown;
};

// Threads for work that blocks (distribution calls), kept off the event loops.
using BlockingPool = ShutdownContext<boost::asio::thread_pool>;

}  // namespace shoal::core
