// Measures the memory a shoal node holds per idle, authenticated peer WebSocket: starts a node,
// reads its resident memory, opens N peer sockets that authenticate and stay idle, waits,
// and reads it again.  Usage: idle_peer_sockets [N=1000]
#include "harness.hpp"

#include <sys/resource.h>

#include <fstream>
#include <iostream>
#include <thread>

namespace {

long resident_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 1000;
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  using namespace shoal::test;
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
