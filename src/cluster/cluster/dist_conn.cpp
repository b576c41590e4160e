#include "cluster/dist_conn.hpp"

#include "cluster/term.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace shoal::cluster {

namespace {

// A frame is the control message plus the payload; allow generous room for the control part.
constexpr std::uint32_t kMaxFrame = static_cast<std::uint32_t>(kMaxTermSize + 64 * 1024);

// ei writes with write()/writev(): a peer that went away would raise SIGPIPE. The node's own
// threads block it for good (dist_node.cpp); a user thread sending through us blocks it around
// the write and discards a SIGPIPE the write raised.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

unsigned to_tmo(std::chrono::milliseconds ms) {
  return ms.count() <= 0 ? 1u : static_cast<unsigned>(std::min<std::int64_t>(ms.count(), INT_MAX));
}

std::string errno_text(int err) {
  if (err == 0) return "unknown error";
  return std::strerror(err);
}

// ---- Conn -------------------------------------------------------------------------------------

Conn::Conn(std::string n, int f, std::shared_ptr<DistSocket> s, bool out, const erlang_pid& self,
           std::chrono::milliseconds timeout)
    : name(std::move(n)), fd(f), socket(std::move(s)), outgoing(out), self_pid(self), io_timeout(timeout) {
  last_rx = core::now();
}

Conn::~Conn() {
  if (reader.joinable()) reader.join();  // normally joined already
}

bool Conn::send_reg(const char* to, const char* data, std::size_t size) {
  if (size > static_cast<std::size_t>(INT_MAX)) return false;
  bool failed = false;
  {
    SigpipeGuard guard;
    std::lock_guard lock(send_mu);
    if (closed || closing) return false;
    failed = ei_send_reg_encoded_tmo(fd, &self_pid, to, const_cast<char*>(data),
                                     static_cast<int>(size), to_tmo(io_timeout)) < 0;
  }
  // A failed or partial write leaves the stream unusable.
  if (failed) request_close();
  return !failed;
}

bool Conn::send_pid(const erlang_pid& to, const char* data, std::size_t size) {
  bool failed = false;
  {
    SigpipeGuard guard;
    std::lock_guard lock(send_mu);
    if (closed || closing) return false;
    failed = ei_send_encoded_tmo(fd, &to, const_cast<char*>(data), static_cast<int>(size), to_tmo(io_timeout)) < 0;
  }
  if (failed) request_close();
  return !failed;
}

void Conn::send_tock() {
  static const char tock[4] = {0, 0, 0, 0};
  bool failed = false;
  {
    std::lock_guard lock(send_mu);
    if (closed || closing) return;
    failed = socket->write_all(tock, sizeof(tock), deadline_after_ms(to_tmo(io_timeout))) != 0;
  }
  if (failed) request_close();
}

void Conn::request_close() {
  std::lock_guard lock(close_mu);
  if (closed) return;
  closing = true;
  ::shutdown(fd, SHUT_RDWR);
}

void Conn::discard() {
  std::lock_guard lock(close_mu);
  if (!closed) {
    closed = true;
    ei_close_connection(fd);
  }
}

void Conn::finish() {
  ::shutdown(fd, SHUT_RDWR);  // fails blocked writers at once
  {
    std::lock_guard send_lock(send_mu);
    std::lock_guard close_lock(close_mu);
    closing = true;
    if (!closed) {
      closed = true;
      ei_close_connection(fd);
    }
  }
  finished = true;
}

// ---- FrameReader ------------------------------------------------------------------------------

FrameReader::FrameReader(Conn& c)
    : c_(c), buf_(static_cast<char*>(std::malloc(static_cast<std::size_t>(bufsize_)))) {}

FrameReader::~FrameReader() { std::free(buf_); }

FrameReader::Step FrameReader::end(std::string reason) {
  reason_ = std::move(reason);
  return Step::Ended;
}

FrameReader::Step FrameReader::next() {
  if (buf_ == nullptr) return end("out of memory");
  // Look at the frame length before ei allocates for it.
  unsigned char header[4];
  ssize_t n = c_.socket->peek(header, sizeof(header));
  if (n == 0) return end("connection closed by peer");
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Step::Again;
    return end(errno_text(errno));
  }
  if (n < 4) {
    const core::Time now = core::now();
    if (!partial_since_) partial_since_ = now;
    if (now - *partial_since_ > c_.io_timeout) return end("timeout reading a frame header");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return Step::Again;
  }
  partial_since_.reset();
  std::uint32_t len = be32(header);
  if (len == 0) {  // distribution tick: consume it and answer
    std::size_t got = 0;
    if (c_.socket->read_some(reinterpret_cast<char*>(header), sizeof(header), got,
                             deadline_after_ms(to_tmo(c_.io_timeout))) != 0 ||
        got != sizeof(header)) {
      return end("reading a tick failed");
    }
    c_.last_rx = core::now();
    c_.send_tock();
    return Step::Again;
  }
  if (len > kMaxFrame) {
    spdlog::warn("cluster: :\"{}\" sent a {} byte message, over the {} byte limit; dropping the connection",
                 c_.name, len, kMaxTermSize);
    return end("oversized message");
  }
  msg_ = erlang_msg{};
  int msglen = 0;
  int type = ei_receive_encoded_tmo(c_.fd, &buf_, &bufsize_, &msg_, &msglen, to_tmo(c_.io_timeout));
  if (type < 0) return end("receive: " + errno_text(erl_errno));
  c_.last_rx = core::now();
  if (type == ERL_TICK) return Step::Again;
  if (msglen <= 0 || msglen > bufsize_) return Step::Again;
  size_ = static_cast<std::size_t>(msglen);
  return Step::Message;
}

}  // namespace shoal::cluster
