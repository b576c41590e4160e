#pragma once
// One live distribution connection of a DistNode: ei's descriptor for it, the byte stream under
// it, serialised sends, closing, and the reading of frames (ticks answered here, oversized
// frames refused before ei allocates for them). The node's threads own the connection
// (dist_node.cpp); what the frames mean is dist_messages.hpp's.
#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include "cluster/dist_socket.hpp"
#include "core/time.hpp"

#include <atomic>
#include <chrono>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace shoal::cluster {

// ei's timeout argument (milliseconds, at least 1: 0 would mean none).
unsigned to_tmo(std::chrono::milliseconds ms);
std::string errno_text(int err);

struct Conn {
  // `self` is the pid our messages come from; `io_timeout` bounds each send and frame read.
  Conn(std::string n, int f, std::shared_ptr<DistSocket> s, bool out, const erlang_pid& self,
       std::chrono::milliseconds io_timeout);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Send a complete term (version byte first) to a registered name / a pid. False when the
  // connection is closing or the write failed (which closes it: a partial write leaves the
  // stream unusable). Thread-safe.
  bool send_reg(const char* to, const char* data, std::size_t size);
  bool send_pid(const erlang_pid& to, const char* data, std::size_t size);
  // The answer to a tick: an empty frame.
  void send_tock();

  // Wakes the reader (and any writer) so that the reader ends the connection.
  void request_close();
  // Closes a connection nobody else has seen.
  void discard();
  // The reader's last act: closes the descriptor for good and marks the connection finished.
  void finish();

  const std::string name;
  const int fd;                              // ei's handle
  const std::shared_ptr<DistSocket> socket;  // the same stream, for ticks and frame peeks
  const bool outgoing;                       // we initiated it
  const erlang_pid self_pid;
  const std::chrono::milliseconds io_timeout;

  std::mutex send_mu;                // serialises writes (one frame at a time)
  std::mutex close_mu;               // guards `closed` against shutdown() racing close()
  bool closed = false;               // fd closed; set with send_mu and close_mu held
  std::atomic<bool> closing{false};  // shutdown requested
  std::atomic<core::Time> last_rx{core::Time{}};
  std::atomic<bool> shoal{false};  // sent us shoal cluster traffic (vs a plain Erlang node)
  std::atomic<bool> finished{false};
  std::thread reader;
};

// Reads a connection's frames, on its reader thread only.
class FrameReader {
 public:
  explicit FrameReader(Conn& c);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  enum class Step {
    Message,  // message() / data() / size() hold a message
    Again,    // nothing to deliver (a tick answered, a partial header, a message ei skips)
    Ended,    // the connection is over: see reason()
  };
  // False when even the first buffer could not be allocated (or ei lost it growing it).
  bool has_buffer() const { return buf_ != nullptr; }
  // Call when the socket is readable or has_buffered_input(); waits at most io_timeout.
  Step next();

  const erlang_msg& message() const { return msg_; }
  const char* data() const { return buf_; }
  std::size_t size() const { return size_; }
  const std::string& reason() const { return reason_; }

 private:
  Step end(std::string reason);

  Conn& c_;
  int bufsize_ = 4096;
  char* buf_;  // malloc'd: ei_receive_encoded_tmo reallocates it
  erlang_msg msg_{};
  std::size_t size_ = 0;
  std::optional<core::Time> partial_since_;  // a frame header is incomplete since
  std::string reason_;
};

}  // namespace shoal::cluster
