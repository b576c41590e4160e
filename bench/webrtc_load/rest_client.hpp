#pragma once
// Blocking REST calls to shoal (room and peer creation before the load starts).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace shoal::bench {

struct RestTarget {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5002;
  std::string token = "development";
};

// Status and JSON body of one request; throws std::runtime_error on connection failure.
struct RestReply {
  int status = 0;
  nlohmann::json body;
};
RestReply rest_call(const RestTarget& target, const std::string& method, const std::string& path,
                    const nlohmann::json& body = nullptr);

std::string create_room(const RestTarget& target);
struct PeerCredentials {
  std::string id;
  std::string token;
};
PeerCredentials create_peer(const RestTarget& target, const std::string& room_id);
void delete_room(const RestTarget& target, const std::string& room_id);

}  // namespace shoal::bench
