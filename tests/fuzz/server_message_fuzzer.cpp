// Server-socket frames (protobuf ServerMessage) and webhook URLs given to POST /room.
#include "jellyfish/server_notifications.pb.h"
#include "notifications/http_url.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  jellyfish::ServerMessage message;
  if (message.ParseFromArray(data, static_cast<int>(size))) message.SerializeAsString();
  shoal::notifications::parse_http_url(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
