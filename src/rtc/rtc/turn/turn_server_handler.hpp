#pragma once
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <span>

#include "rtc/turn/turn_client.hpp"

namespace shoal::rtc::turn {

// Implemented by the owner of the sockets and of the in-process ICE-lite endpoint. Called
// synchronously from TurnServer methods; the spans are only valid during the call.
class TurnServerHandler {
 public:
  virtual ~TurnServerHandler() = default;
  virtual void send_to_client(const TurnClient& client, std::span<const std::uint8_t> bytes) = 0;
  // One frame in two parts, header then payload, followed by `zero_padding` zero bytes: the
  // ChannelData of media, sent without first copying the payload behind its header.
  virtual void send_to_client(const TurnClient& client, std::span<const std::uint8_t> header,
                              std::span<const std::uint8_t> payload, std::size_t zero_padding) = 0;
  // Payload of a Send indication / ChannelData from `client`'s allocation addressed to `peer`,
  // delivered only when a permission for peer's IP exists.
  virtual void on_peer_data(const TurnClient& client, const boost::asio::ip::udp::endpoint& peer,
                            std::span<const std::uint8_t> payload) = 0;
  // The client's allocation is gone (expired, deleted by Refresh 0, or remove_client), so a
  // selected ICE pair using it must be dropped. Optional.
  virtual void on_allocation_closed(const TurnClient& /*client*/) {}
};

}  // namespace shoal::rtc::turn
