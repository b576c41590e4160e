#pragma once
// Identity of a TURN client: its transport address, plus the TCP connection id for stream
// listeners (0 for UDP), since one TCP remote address can in theory be reused by a new connection.
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <functional>

namespace shoal::rtc::turn {

struct TurnClient {
  boost::asio::ip::udp::endpoint address;
  std::uint64_t connection = 0;  // != 0: TCP connection; address is then the TCP remote address

  bool is_stream() const { return connection != 0; }
  bool operator==(const TurnClient&) const = default;
};

struct TurnClientHash {
  std::size_t operator()(const TurnClient& client) const;
};

}  // namespace shoal::rtc::turn
