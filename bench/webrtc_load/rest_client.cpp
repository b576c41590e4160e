#include "rest_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace shoal::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

RestReply rest_call(const RestTarget& target, const std::string& method, const std::string& path,
                    const json& body) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  boost::beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(resolver.resolve(target.host, std::to_string(target.port)));
  http::request<http::string_body> request(http::string_to_verb(method), path, 11);
  request.set(http::field::host, target.host);
  request.set(http::field::authorization, "Bearer " + target.token);
  if (!body.is_null()) {
    request.set(http::field::content_type, "application/json");
    request.body() = body.dump();
  }
  request.prepare_payload();
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  boost::system::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  RestReply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.body = json::parse(response.body(), nullptr, false);
  return reply;
}

std::string create_room(const RestTarget& target) {
  auto reply = rest_call(target, "POST", "/room", json::object());
  if (reply.status != 201) throw std::runtime_error("POST /room answered " + std::to_string(reply.status));
  return reply.body["data"]["room"]["id"].get<std::string>();
}

PeerCredentials create_peer(const RestTarget& target, const std::string& room_id) {
  auto reply = rest_call(target, "POST", "/room/" + room_id + "/peer", json{{"type", "webrtc"}});
  if (reply.status != 201) throw std::runtime_error("POST /room/:id/peer answered " + std::to_string(reply.status));
  return {reply.body["data"]["peer"]["id"].get<std::string>(), reply.body["data"]["token"].get<std::string>()};
}

void delete_room(const RestTarget& target, const std::string& room_id) {
  rest_call(target, "DELETE", "/room/" + room_id);
}

}  // namespace shoal::bench
