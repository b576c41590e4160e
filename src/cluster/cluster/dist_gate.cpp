#include "cluster/dist_gate.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace shoal::cluster {

namespace {


// The first handshake message is the peer's name: a length (2 bytes, 4 with TLS), a tag, flags, a creation and
// a name of at most 255 bytes. Anything longer is not a node.
constexpr std::size_t kMaxFirstMessage = 512;

std::string address_text(const sockaddr_in& peer) {
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
}

}  // namespace

DistGate::DistGate(int listen_fd, SSL_CTX* tls, DistGateLimits limits)
    : listen_fd_(listen_fd), tls_(tls), limits_(limits) {}

DistGate::~DistGate() { stop(); }

core::Result<void, std::string> DistGate::start() {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return std::string("eventfd: ") + std::strerror(errno);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    return std::string("cannot start the distribution gate thread: ") + e.what();
  }
  return {};
}

void DistGate::stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  ready_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    waiting_.clear();
    per_address_.clear();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

std::optional<DistGate::Ready> DistGate::take(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<Ready> taken;
  ready_cv_.wait_for(lock, timeout, [&] {
    if (stopping_) return true;
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      const Waiting& w = it->second;
      std::uint32_t address = w.peer.sin_addr.s_addr;
      auto busy = handshaking_.find(address);  // find, not []: no entry for every address seen
      if (w.want != 0 || (busy != handshaking_.end() && busy->second >= limits_.max_handshakes_per_address)) continue;
      ++handshaking_[address];
      if (--per_address_[address] == 0) per_address_.erase(address);
      taken = Ready{w.socket, w.peer};
      waiting_.erase(it);
      return true;
    }
    return false;
  });
  return taken;
}

void DistGate::finished(const sockaddr_in& peer) {
  {
    std::lock_guard lock(mu_);
    auto it = handshaking_.find(peer.sin_addr.s_addr);
    if (it != handshaking_.end() && --it->second == 0) handshaking_.erase(it);
  }
  ready_cv_.notify_all();  // a connection waiting for this address's slot may go now
}

void DistGate::drop(std::map<std::uint64_t, Waiting>::iterator it, const char* why) {
  std::uint32_t address = it->second.peer.sin_addr.s_addr;
  spdlog::debug("cluster: closing a distribution connection from {} before its handshake: {}",
                address_text(it->second.peer), why);
  if (auto count = per_address_.find(address); count != per_address_.end() && --count->second == 0) {
    per_address_.erase(count);
  }
  waiting_.erase(it);
  ++dropped_;
}

void DistGate::make_room_for(std::uint32_t address) {
  if (per_address_[address] >= limits_.max_waiting_per_address) {
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
      if (it->second.peer.sin_addr.s_addr == address) {
        drop(it, "its address has too many connections waiting");
        break;
      }
    }
  }
  if (waiting_.size() >= limits_.max_waiting && !waiting_.empty()) {
    drop(waiting_.begin(), "too many connections waiting");
  }
}

void DistGate::accept_new() {
  for (;;) {
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::warn("cluster: accepting on the distribution port failed: {}", std::strerror(errno));
      }
      return;
    }
    SSL* ssl = nullptr;
    if (tls_ != nullptr) {
      ssl = SSL_new(tls_);
      if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        if (ssl != nullptr) SSL_free(ssl);
        ::close(fd);
        continue;
      }
      SSL_set_accept_state(ssl);
    }
    Waiting w;
    w.socket = std::make_shared<DistSocket>(fd, ssl);
    w.peer = peer;
    w.since = core::now();
    w.want = POLLIN;
    std::lock_guard lock(mu_);
    make_room_for(peer.sin_addr.s_addr);
    ++per_address_[peer.sin_addr.s_addr];
    waiting_.emplace(next_id_++, std::move(w));
  }
}

bool DistGate::advance(Waiting& w) {
  if (w.socket->tls() && !w.tls_done) {
    short want = 0;
    int result = w.socket->server_handshake_step(want);
    if (result == EAGAIN) {
      w.want = want;
      return true;
    }
    if (result != 0) {
      auto now = core::now();
      if (now - last_warning_ > std::chrono::seconds(30)) {
        last_warning_ = now;
        spdlog::warn("refused a distribution connection from {}: TLS handshake failed: {}",
                     address_text(w.peer), w.socket->failure());
      }
      return false;
    }
    w.tls_done = true;
  }
  const std::size_t header = static_cast<std::size_t>(handshake_header_size(w.socket->tls()));
  unsigned char head[4 + kMaxFirstMessage];
  ssize_t n = w.socket->peek(head, header + kMaxFirstMessage);
  if (n == 0) return false;
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    w.want = POLLIN;
    return true;
  }
  if (static_cast<std::size_t>(n) >= header) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < header; ++i) length = (length << 8) | head[i];
    if (length == 0 || length > kMaxFirstMessage) return false;
    if (static_cast<std::size_t>(n) >= header + length) {
      w.want = 0;  // ready
      return true;
    }
  }
  w.want = POLLIN;
  return true;
}

void DistGate::run() {
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> ids;
  while (!stopping_) {
    fds.assign({{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    ids.clear();
    int timeout = 500;
    {
      std::lock_guard lock(mu_);
      auto now = core::now();
      for (const auto& [id, w] : waiting_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(w.since + limits_.wait_timeout - now);
        timeout = std::clamp(static_cast<int>(left.count()) + 1, 1, timeout);
        if (w.want == 0) continue;
        fds.push_back({w.socket->fd(), w.want, 0});
        ids.push_back(id);
      }
    }
    int rc = ::poll(fds.data(), fds.size(), timeout);
    if (rc < 0 && errno != EINTR) {
      spdlog::error("cluster: poll in the distribution gate failed: {}", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (stopping_) break;
    if (rc > 0 && fds[1].revents != 0) accept_new();
    bool any_ready = false;
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; rc > 0 && i < ids.size(); ++i) {
      if (fds[i + 2].revents == 0) continue;
      auto it = waiting_.find(ids[i]);
      if (it == waiting_.end()) continue;
      if (!advance(it->second)) {
        drop(it, "not a node's handshake");
        continue;
      }
      any_ready = any_ready || it->second.want == 0;
    }
    auto now = core::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      auto next = std::next(it);
      if (now - it->second.since >= limits_.wait_timeout) drop(it, "timed out");
      it = next;
    }
    if (any_ready) ready_cv_.notify_all();
  }
}

}  // namespace shoal::cluster
