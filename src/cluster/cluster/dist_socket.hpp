#pragma once
// One distribution connection's byte stream: a non-blocking TCP socket, plain or wrapped in TLS.
// ei (through the callbacks in dist_transport) and the connection's reader and writers all go
// through it. An SSL object must not be used by two threads at once, and a connection has a
// reader thread and writers, so every TLS call takes the socket's mutex; nobody holds it while
// waiting for the network, so a reader waiting for data never blocks a writer.
#include "core/time.hpp"

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>

namespace shoal::cluster {

using DistDeadline = std::optional<core::Time>;  // nullopt: none

// ei's timeouts (milliseconds; 0 and ~0u mean none) as a deadline.
DistDeadline deadline_after_ms(unsigned ms);

// Length prefix of each handshake message: inet_tcp_dist uses 2 bytes, inet_tls_dist 4.
inline int handshake_header_size(bool tls) { return tls ? 4 : 2; }

// Waits until `fd` has `events` (POLLIN/POLLOUT). 0, ETIMEDOUT or an errno value.
int wait_for_socket(int fd, short events, const DistDeadline& deadline);

class DistSocket {
 public:
  DistSocket(int fd, SSL* ssl);  // owns both; fd non-blocking; ssl may be null (plain TCP)
  ~DistSocket();                 // frees the TLS state and closes the socket
  DistSocket(const DistSocket&) = delete;
  DistSocket& operator=(const DistSocket&) = delete;

  // Wraps a plain socket in TLS (owned) before its first use by more than one thread.
  void attach_tls(SSL* ssl) { ssl_ = ssl; }

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }

  // These return 0 or an errno value (ETIMEDOUT when the deadline passed; ECONNRESET for a TLS
  // failure, whose reason is logged at debug level).
  // Reads at least one byte, or sets `got` to 0 at the end of the stream.
  int read_some(char* buf, std::size_t size, std::size_t& got, const DistDeadline& deadline);
  int write_all(const char* buf, std::size_t size, const DistDeadline& deadline);

  // Without waiting: copies up to `size` bytes that can be read now (decrypted, for TLS) and
  // returns their number, 0 at the end of the stream, or -1 with errno (EAGAIN: nothing yet).
  ssize_t peek(void* buf, std::size_t size);
  // Decrypted or undecrypted TLS bytes already taken off the socket: poll() would not see them.
  bool has_buffered_input();

  // TLS handshakes. The client one waits up to the deadline; the server one does one
  // non-blocking step and returns 0 when done, EAGAIN with `want` set to what to poll for, or
  // an error.
  int client_handshake(const DistDeadline& deadline);
  int server_handshake_step(short& want);
  // Why the last TLS call failed (OpenSSL's reason and, for a rejected certificate, why).
  std::string failure();

 private:
  // One TLS call's outcome: done (>0 result), wait for `want`, or the connection failed.
  enum class TlsStep { Done, Wait, Closed, Failed };
  TlsStep classify(int result, short& want);

  const int fd_;
  SSL* ssl_;
  std::mutex mu_;
  std::string failure_;
};

}  // namespace shoal::cluster
