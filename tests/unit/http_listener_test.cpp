// The HTTP listener in-process: a handler that throws costs one request a 500, nothing more.
#include "api/http_listener.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace shoal::api {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

TEST(HttpListener, AThrowingHandlerAnswers500AndKeepsServing) {
  core::LoopPool loops(1);
  HttpListener listener(loops, {asio::ip::make_address("127.0.0.1"), 0},
                        {[](Request& request) -> asio::awaitable<Reply> {
                           if (request.target() == "/boom") throw std::runtime_error("bug");
                           co_return json_response(http::status::ok, "{}");
                         },
                         nullptr});
  ASSERT_TRUE(listener.start().has_value());
  std::thread loop([&] { loops.run(); });

  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(listener.local_endpoint());
  for (const char* target : {"/boom", "/fine"}) {
    Request request{http::verb::get, target, 11};
    request.set(http::field::host, "x");
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    if (std::string_view(target) == "/boom") {
      EXPECT_EQ(response.result_int(), 500u);
      EXPECT_EQ(response.body(), R"({"errors":{"detail":"Internal Server Error"}})");
    } else {
      EXPECT_EQ(response.result_int(), 200u);  // same keep-alive connection still served
    }
  }
  loops.stop();
  loop.join();
}

}  // namespace
}  // namespace shoal::api
