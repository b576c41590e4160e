// HTTP requests as the listener parses them (same limits), then shoal's parameter parsing.
#include "api/request_params.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 << 10);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  for (int rounds = 0; rounds < 64 && offset < size && !parser.is_done(); ++rounds) {
    auto used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (ec || used == 0) break;
    offset += used;
  }
  if (!ec && parser.is_done()) {
    auto request = parser.release();
    shoal::api::parse_params(request);
  }
  shoal::api::parse_urlencoded(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
