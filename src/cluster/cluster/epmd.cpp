#include "cluster/epmd.hpp"

#include "core/time.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace shoal::cluster {

namespace {


int remaining_ms(core::Time deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - core::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Non-blocking connect to host:port bounded by `timeout`; returns the (non-blocking) fd or -1.
int connect_ipv4(const in_addr& host, unsigned short port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr = host;
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    int err = 0;
    socklen_t len = sizeof(err);
    if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      rc = 0;
    } else {
      rc = -1;
    }
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_loopback(unsigned short port, std::chrono::milliseconds timeout) {
  in_addr loopback{};
  loopback.s_addr = htonl(INADDR_LOOPBACK);
  return connect_ipv4(loopback, port, timeout);
}

unsigned short epmd_port() {
  static const unsigned short port = [] {
    const char* text = std::getenv("ERL_EPMD_PORT");
    const long value = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
    return value > 0 && value < 65536 ? static_cast<unsigned short>(value) : kEpmdPort;
  }();
  return port;
}

// Sends `request` and reads EPMD's answer until EPMD closes the connection (`closed`: the whole
// answer is in), `limit` bytes have arrived, or the deadline passes.
struct EpmdReply {
  std::string bytes;
  bool closed = false;
};
EpmdReply exchange(int fd, std::string_view request, core::Time deadline, std::size_t limit) {
  EpmdReply reply;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return reply;
  while (reply.bytes.size() < limit) {
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, std::min(sizeof(buf), limit - reply.bytes.size()), 0);
    if (n == 0) {
      reply.closed = true;
      break;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    reply.bytes.append(buf, static_cast<std::size_t>(n));
  }
  return reply;
}

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      auto end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string candidate = dirs.substr(start, end - start);
      if (!candidate.empty()) {
        candidate += "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      }
      start = end + 1;
    }
  }
  std::string fallback = "/usr/bin/" + program;
  return ::access(fallback.c_str(), X_OK) == 0 ? fallback : std::string{};
}

// Runs `<path> -daemon` without handing it any of this process's descriptors (the daemon lives
// on after us) and reaps the short-lived parent epmd process.
bool run_epmd_daemon(const std::string& path) {
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  std::vector<char> prog(path.begin(), path.end());
  prog.push_back('\0');
  char daemon_flag[] = "-daemon";
  char* argv[] = {prog.data(), daemon_flag, nullptr};
  pid_t pid = ::fork();
  if (pid < 0) {
    if (devnull >= 0) ::close(devnull);
    return false;
  }
  if (pid == 0) {
    // Child of a multi-threaded process: async-signal-safe calls only.
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  if (devnull >= 0) ::close(devnull);
  auto deadline = core::now() + std::chrono::seconds(3);
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r < 0 && errno != EINTR) return false;
    if (core::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

bool epmd_reachable(std::chrono::milliseconds timeout) {
  int fd = connect_loopback(kEpmdPort, timeout);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string ensure_epmd(const std::string& program) {
  using namespace std::chrono_literals;
  if (epmd_reachable(500ms)) return {};
  auto path = find_program(program);
  if (path.empty()) return kEpmdStartError;
  run_epmd_daemon(path);  // its exit status says little: retry the connection either way
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (epmd_reachable(200ms)) return {};
    std::this_thread::sleep_for(100ms);
  }
  return kEpmdStartError;
}

std::optional<std::string> epmd_names(std::chrono::milliseconds timeout) {
  const auto deadline = core::now() + timeout;
  int fd = connect_loopback(kEpmdPort, timeout);
  if (fd < 0) return std::nullopt;
  const char request[] = {0, 1, 'n'};  // NAMES_REQ
  // Beyond 1 MiB the answer is refused, as it cannot be EPMD's.
  auto reply = exchange(fd, std::string_view(request, sizeof(request)), deadline, (1u << 20) + 1);
  ::close(fd);
  if (!reply.closed || reply.bytes.size() < 4) return std::nullopt;
  return reply.bytes.substr(4);  // after EPMD's own port number
}

EpmdLookup epmd_port_please(const in_addr& host, const std::string& alive, std::chrono::milliseconds timeout) {
  EpmdLookup lookup;
  if (alive.empty() || alive.size() > 255) return lookup;
  const auto deadline = core::now() + timeout;
  int fd = connect_ipv4(host, epmd_port(), timeout);
  if (fd < 0) return lookup;
  std::string request(2, '\0');
  const std::size_t length = alive.size() + 1;
  request[0] = static_cast<char>(length >> 8);
  request[1] = static_cast<char>(length & 0xff);
  request += static_cast<char>(122);  // PORT_PLEASE2_REQ
  request += alive;
  // The answer: 119, a result byte, and on success the port first; EPMD closes after a
  // refusal's two bytes.
  const std::string reply = exchange(fd, request, deadline, 4).bytes;
  ::close(fd);
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(reply[i]); };
  const std::size_t got = reply.size();
  if (got >= 2 && byte(0) == 119 && byte(1) != 0) {
    lookup.result = EpmdLookup::Result::NotRegistered;
  } else if (got == 4 && byte(0) == 119) {
    lookup.result = EpmdLookup::Result::Found;
    lookup.port = static_cast<std::uint16_t>((byte(2) << 8) | byte(3));
  }
  return lookup;
}

}  // namespace shoal::cluster
