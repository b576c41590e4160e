#pragma once
// Runs a function on another event loop and resumes the calling coroutine on its own loop with
// the result: the one way code crosses loops besides fire-and-forget posts.
//
// g++ 12 destroys a lambda temporary written inside a co_await expression twice, so callers
// name the lambda first:  auto work = [..] {..};  co_await run_on(loop, std::move(work));
// (run_on is deliberately not a coroutine itself for the same reason.)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace shoal::core {

// `context` is an event loop (io_context) or a thread pool for blocking work.
template <typename Context, typename F>
auto run_on(Context& context, F function) {
  using Result = std::invoke_result_t<F&>;
  return boost::asio::co_spawn(
      context,
      [fn = std::move(function)]() mutable -> boost::asio::awaitable<Result> { co_return fn(); },
      boost::asio::use_awaitable);
}

}  // namespace shoal::core
