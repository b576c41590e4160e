#pragma once
#include <string>

namespace shoal::room {

// How a room reaches a peer's signalling socket, which lives on another loop. Both calls are
// safe from any thread: implementations post to the socket's own loop.
class PeerChannel {
 public:
  virtual ~PeerChannel() = default;
  virtual void send_media_event(std::string json) = 0;
  // Closes the socket with code 1000 and the given reason ("" for peer/room removal).
  virtual void close(std::string reason) = 0;
};

}  // namespace shoal::room
