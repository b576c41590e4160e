// Server notifications fan-out: N subscribed server sockets, M rooms created over REST; reports
// deliveries per second (M x N events) and the server memory each subscribed socket holds.
// Usage: server_socket_fanout [sockets=100] [rooms=2000]
#include "harness.hpp"

#include "jellyfish/server_notifications.pb.h"

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

std::string frame(const jellyfish::ServerMessage& message) { return message.SerializeAsString(); }

}  // namespace

int main(int argc, char** argv) {
  const int socket_count = argc > 1 ? std::atoi(argv[1]) : 100;
  const int room_count = argc > 2 ? std::atoi(argv[2]) : 2000;
  using namespace shoal::test;
  raise_open_file_limit();
  ShoalProcess shoal;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long before = resident_kb(shoal.pid());

  jellyfish::ServerMessage auth;
  auth.mutable_auth_request()->set_token("development");
  jellyfish::ServerMessage subscribe;
  subscribe.mutable_subscribe_request()->set_event_type(jellyfish::ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION);
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < socket_count; ++i) {
    auto socket = std::make_unique<WsClient>(shoal.port(), "/socket/server/websocket");
    socket->send_binary(frame(auth));
    socket->read();
    socket->send_binary(frame(subscribe));
    socket->read();
    sockets.push_back(std::move(socket));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long with_sockets = resident_kb(shoal.pid());

  std::atomic<long> delivered{0};
  std::vector<std::thread> readers;
  for (auto& socket : sockets) {
    readers.emplace_back([&, s = socket.get()] {
      for (int i = 0; i < room_count; ++i) {
        if (!s->read(std::chrono::seconds(20))) return;
        ++delivered;
      }
    });
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> creators;
  for (int t = 0; t < 4; ++t) {
    creators.emplace_back([&] {
      for (int i = 0; i < room_count / 4; ++i) api(shoal.port(), "POST", "/room");
    });
  }
  for (auto& t : creators) t.join();
  for (auto& t : readers) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << "subscribed sockets:        " << socket_count << "\n"
            << "rooms created:             " << room_count << "\n"
            << "events delivered:          " << delivered << " / " << static_cast<long>(socket_count) * room_count << "\n"
            << "deliveries per second:     " << static_cast<long>(delivered / seconds) << " (" << seconds << " s)\n"
            << "server RSS before sockets: " << before << " kB\n"
            << "server RSS with sockets:   " << with_sockets << " kB\n"
            << "per subscribed socket:     " << (with_sockets - before) * 1024.0 / socket_count / 1000.0 << " kB\n";
  return delivered == static_cast<long>(socket_count) * room_count ? 0 : 1;
}
