#pragma once
// Server notifications (what backends see on /socket/server/websocket) and the bus that
// carries them from rooms, on any loop, to subscribers.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace shoal::notifications {

enum class ServerEventKind {
  RoomCreated,
  RoomDeleted,
  RoomCrashed,
  PeerConnected,
  PeerDisconnected,
  PeerCrashed,
  ComponentCrashed,
  HlsPlayable,
  MetricsReport,  // payload: the report's JSON text
};

struct ServerEvent {
  ServerEventKind kind;
  std::string room_id;
  std::string subject_id;  // peer or component id where the kind has one
  std::string payload{};   // MetricsReport only
  bool from_other_node = false;  // relayed from another cluster node (not relayed again)
};

// Thread-safe fan-out. Subscribers must not block: they post to their own loop.
class NotificationBus {
 public:
  using Subscriber = std::function<void(const ServerEvent&)>;
  using Token = std::size_t;

  Token subscribe(Subscriber subscriber);
  void unsubscribe(Token token);
  void publish(const ServerEvent& event);
  bool has_subscribers();

 private:
  std::mutex mutex_;
  Token next_token_ = 1;
  std::vector<std::pair<Token, Subscriber>> subscribers_;
};

}  // namespace shoal::notifications
