// Measures the memory a shoal node holds per idle, authenticated peer WebSocket: starts a node,
// reads its resident memory, opens N peer sockets that authenticate and stay idle, waits,
// and reads it again.  Usage: idle_peer_sockets [N=1000]
#include "harness.hpp"

#include <fstream>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  using namespace shoal::test;
  raise_open_file_limit();
  ShoalProcess shoal;
  auto room = create_room(shoal.port());
  std::vector<CreatedPeer> peers;
  for (int i = 0; i < count; ++i) peers.push_back(create_peer(shoal.port(), room));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long before = resident_kb(shoal.pid());

  std::vector<std::unique_ptr<WsClient>> sockets;
  for (const auto& peer : peers) {
    sockets.push_back(connect_peer(shoal.port(), peer.token));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const long after = resident_kb(shoal.pid());

  auto status = api(shoal.port(), "GET", "/room/" + room).json_body();
  int connected = 0;
  for (const auto& p : status["data"]["peers"]) connected += p["status"] == "connected";
  std::cout << "peers connected: " << connected << " / " << count << "\n"
            << "server RSS before sockets: " << before << " kB\n"
            << "server RSS with sockets:   " << after << " kB\n"
            << "per idle peer socket:      " << (after - before) * 1024.0 / count / 1000.0
            << " kB (1 kB = 1000 B)\n";
  sockets.clear();
  return connected == count ? 0 : 1;
}
