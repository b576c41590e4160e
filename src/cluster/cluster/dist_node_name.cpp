// check_node_name() (declared in dist_node.hpp): apart from DistNode so the membership state
// machine and its tests can check the names peers send without the node's threads.
#include "cluster/dist_node.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace shoal::cluster {

namespace {

bool valid_alive_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_ip_address(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

}  // namespace

std::string check_node_name(const std::string& node, config::DistMode mode) {
  auto at = node.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= node.size() ||
      node.find('@', at + 1) != std::string::npos) {
    return "invalid node name \"" + node + "\": expected name@host";
  }
  if (node.size() > 255) return "invalid node name \"" + node + "\": longer than 255 characters";
  for (std::size_t i = 0; i < at; ++i) {
    if (!valid_alive_char(node[i])) {
      return "invalid node name \"" + node + "\": the name part may only contain letters, digits, _ and -";
    }
  }
  std::string host = node.substr(at + 1);
  bool has_dot = host.find('.') != std::string::npos;
  if (mode == config::DistMode::LongNames && !has_dot && !is_ip_address(host)) {
    return "invalid node name \"" + node +
           "\": long names need a host part that is a fully qualified domain name or an IP address";
  }
  if (mode == config::DistMode::ShortNames && has_dot) {
    return "invalid node name \"" + node + "\": short names need a host part without dots";
  }
  return {};
}

}  // namespace shoal::cluster
