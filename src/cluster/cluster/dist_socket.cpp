#include "cluster/dist_socket.hpp"

#include "cluster/dist_tls.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace shoal::cluster {

namespace {
constexpr std::size_t kMaxTlsCall = 1u << 30;  // SSL_read/SSL_write take an int
}  // namespace

DistDeadline deadline_after_ms(unsigned ms) {
  if (ms == 0 || ms == ~0u) return std::nullopt;
  return core::now() + std::chrono::milliseconds(ms);
}

int wait_for_socket(int fd, short events, const DistDeadline& deadline) {
  for (;;) {
    int timeout = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - core::now()).count();
      if (left <= 0) return ETIMEDOUT;
      timeout = static_cast<int>(std::min<long long>(left, INT_MAX));
    }
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, timeout);
    if (rc > 0) return (p.revents & POLLNVAL) ? EBADF : 0;  // errors and hang-ups show on the next call
    if (rc == 0) return ETIMEDOUT;
    if (errno != EINTR) return errno;
  }
}

DistSocket::DistSocket(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

DistSocket::~DistSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

DistSocket::TlsStep DistSocket::classify(int result, short& want) {
  if (result > 0) return TlsStep::Done;
  int error = SSL_get_error(ssl_, result);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      want = POLLIN;
      return TlsStep::Wait;
    case SSL_ERROR_WANT_WRITE:
      want = POLLOUT;
      return TlsStep::Wait;
    case SSL_ERROR_ZERO_RETURN:
      return TlsStep::Closed;
    default: {
      failure_ = error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? "connection closed during TLS"
                                                                      : take_ssl_errors();
      long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) failure_ += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      spdlog::debug("cluster: TLS on the distribution connection failed: {}", failure_);
      return TlsStep::Failed;
    }
  }
}

int DistSocket::read_some(char* buf, std::size_t size, std::size_t& got, const DistDeadline& deadline) {
  got = 0;
  for (;;) {
    short want = POLLIN;
    if (ssl_ == nullptr) {
      ssize_t n = ::recv(fd_, buf, size, 0);
      if (n >= 0) {
        got = static_cast<std::size_t>(n);
        return 0;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return errno;
    } else {
      std::unique_lock lock(mu_);
      ERR_clear_error();
      int n = SSL_read(ssl_, buf, static_cast<int>(std::min(size, kMaxTlsCall)));
      switch (classify(n, want)) {
        case TlsStep::Done:
          got = static_cast<std::size_t>(n);
          return 0;
        case TlsStep::Closed:
          return 0;
        case TlsStep::Failed:
          return ECONNRESET;
        case TlsStep::Wait:
          break;
      }
    }
    if (int error = wait_for_socket(fd_, want, deadline)) return error;
  }
}

int DistSocket::write_all(const char* buf, std::size_t size, const DistDeadline& deadline) {
  std::size_t done = 0;
  while (done < size) {
    short want = POLLOUT;
    if (ssl_ == nullptr) {
      ssize_t n = ::send(fd_, buf + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return errno;
    } else {
      std::unique_lock lock(mu_);
      ERR_clear_error();
      int n = SSL_write(ssl_, buf + done, static_cast<int>(std::min(size - done, kMaxTlsCall)));
      switch (classify(n, want)) {
        case TlsStep::Done:
          done += static_cast<std::size_t>(n);
          continue;
        case TlsStep::Closed:
        case TlsStep::Failed:
          return ECONNRESET;
        case TlsStep::Wait:
          break;
      }
    }
    if (int error = wait_for_socket(fd_, want, deadline)) return error;
  }
  return 0;
}

ssize_t DistSocket::peek(void* buf, std::size_t size) {
  if (ssl_ == nullptr) return ::recv(fd_, buf, size, MSG_PEEK | MSG_DONTWAIT);
  std::unique_lock lock(mu_);
  ERR_clear_error();
  int n = SSL_peek(ssl_, buf, static_cast<int>(std::min(size, kMaxTlsCall)));
  short want = 0;
  switch (classify(n, want)) {
    case TlsStep::Done:
      return n;
    case TlsStep::Closed:
      return 0;
    case TlsStep::Wait:
      errno = EAGAIN;
      return -1;
    case TlsStep::Failed:
      break;
  }
  errno = ECONNRESET;
  return -1;
}

std::string DistSocket::failure() {
  std::unique_lock lock(mu_);
  return failure_;
}

bool DistSocket::has_buffered_input() {
  if (ssl_ == nullptr) return false;
  std::unique_lock lock(mu_);
  return SSL_pending(ssl_) > 0 || SSL_has_pending(ssl_) == 1;
}

int DistSocket::client_handshake(const DistDeadline& deadline) {
  for (;;) {
    short want = POLLIN;
    {
      std::unique_lock lock(mu_);
      ERR_clear_error();
      switch (classify(SSL_connect(ssl_), want)) {
        case TlsStep::Done:
          return 0;
        case TlsStep::Closed:
        case TlsStep::Failed:
          return ECONNREFUSED;
        case TlsStep::Wait:
          break;
      }
    }
    if (int error = wait_for_socket(fd_, want, deadline)) return error;
  }
}

int DistSocket::server_handshake_step(short& want) {
  std::unique_lock lock(mu_);
  ERR_clear_error();
  switch (classify(SSL_accept(ssl_), want)) {
    case TlsStep::Done:
      return 0;
    case TlsStep::Wait:
      return EAGAIN;
    case TlsStep::Closed:
    case TlsStep::Failed:
      break;
  }
  return ECONNREFUSED;
}

}  // namespace shoal::cluster
