#pragma once
// The waiting room in front of the distribution handshake. ei serves a handshake with blocking
// calls, one thread each, so a connection that says nothing (or half a message) would hold a
// handshake thread for a timeout per step. Here one thread holds every new connection, cheaply
// and with bounds, until it has shown it is a node: the TLS handshake done (certificate
// verified) when TLS is on, and the first handshake message (the peer's name) complete. Only
// such a connection is handed to a handshake thread, and at most a few per address at once.
//
// Bounds: a new connection from an address that already has `max_waiting_per_address` waiting
// pushes out that address's oldest one, and past `max_waiting` the oldest of all goes, so a
// flood of idle connections costs the flooder its own older connections, not a real node's
// fresh one. A connection still waiting after `wait_timeout` is closed.
#include "cluster/dist_socket.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

#include <netinet/in.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace shoal::cluster {

struct DistGateLimits {
  std::size_t max_waiting = 256;
  std::size_t max_waiting_per_address = 16;
  std::size_t max_handshakes_per_address = 2;
  std::chrono::milliseconds wait_timeout{5000};
};

class DistGate {
 public:
  struct Ready {
    std::shared_ptr<DistSocket> socket;
    sockaddr_in peer{};
  };

  // `listen_fd` stays owned by the caller and outlives the gate; `tls` may be null (plain).
  DistGate(int listen_fd, SSL_CTX* tls, DistGateLimits limits);
  ~DistGate();  // stop()
  DistGate(const DistGate&) = delete;
  DistGate& operator=(const DistGate&) = delete;

  core::Result<void, std::string> start();
  void stop();  // idempotent; closes every waiting connection

  // Waits up to `timeout` for a connection ready for its handshake from an address with a free
  // handshake slot, and takes the slot: call finished(peer) when its handshake ends.
  std::optional<Ready> take(std::chrono::milliseconds timeout);
  void finished(const sockaddr_in& peer);

  // Connections closed before their handshake: pushed out, timed out or failed TLS.
  std::uint64_t dropped() const { return dropped_; }

 private:
  struct Waiting {
    std::shared_ptr<DistSocket> socket;
    sockaddr_in peer{};
    core::Time since;
    short want = 0;         // what to poll for; 0 when ready
    bool tls_done = false;
  };

  void run();
  void accept_new();
  // Moves a waiting connection on; false when it has to be closed.
  bool advance(Waiting& w);
  void drop(std::map<std::uint64_t, Waiting>::iterator it, const char* why);
  void make_room_for(std::uint32_t address);

  const int listen_fd_;
  SSL_CTX* const tls_;
  const DistGateLimits limits_;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> dropped_{0};

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::map<std::uint64_t, Waiting> waiting_;           // by arrival order
  std::map<std::uint32_t, std::size_t> per_address_;    // waiting connections
  std::map<std::uint32_t, std::size_t> handshaking_;    // taken, not finished
  std::uint64_t next_id_ = 0;
  core::Time last_warning_{};
};

}  // namespace shoal::cluster
