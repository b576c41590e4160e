#pragma once
// Outgoing datagrams collected while a burst of input is handled, then sent with one sendmmsg
// per socket. A video frame arrives as a burst of packets and each goes to every subscriber, so
// one system call then carries a subscriber's whole share of the burst instead of one call per
// packet. Per thread (each loop is one thread, and rooms never leave their loop): a Scope is
// opened around a burst; sends made while one is open are queued, and the outermost Scope's end
// sends them, in order per socket. Outside a Scope (timers, TCP) nothing is queued.
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <span>

namespace shoal::webrtc {

struct UdpSendCounters {
  std::uint64_t* bytes = nullptr;
  std::uint64_t* packets = nullptr;
};

class UdpSendBatch {
 public:
  class Scope {
   public:
    Scope();
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };

  // Copies the datagram into this thread's batch. False when no Scope is open: send it now.
  // `counters` are incremented when it is really sent; they must outlive the batch or be
  // withdrawn with forget().
  static bool queue(int fd, const boost::asio::ip::udp::endpoint& to, std::span<const std::uint8_t> bytes,
                    UdpSendCounters counters);
  // The same for a datagram in two parts (a TURN header and the media behind it), joined in the
  // batch with no copy before.
  static bool queue(int fd, const boost::asio::ip::udp::endpoint& to, std::span<const std::uint8_t> header,
                    std::span<const std::uint8_t> payload, UdpSendCounters counters);
  // A place in this thread's batch to write the next datagram into (kMaxDatagram bytes), so it is
  // built where it is sent from instead of copied there; empty when no Scope is open. It stays
  // valid until the next call that queues or flushes on this thread.
  static std::span<std::uint8_t> slot();
  // Queues the first `length` bytes of the last slot() as a datagram. False when the slot is no
  // longer the batch's next place (something was queued or flushed since): send it otherwise.
  static bool commit_slot(std::span<const std::uint8_t> datagram, int fd, const boost::asio::ip::udp::endpoint& to,
                          UdpSendCounters counters);
  // A socket is closing: drop what is queued for it.
  static void forget(int fd);
  // Sends what is queued (also done when the batch fills up).
  static void flush();

  static constexpr std::size_t kCapacityBytes = 1 << 20;
  static constexpr std::size_t kMaxDatagram = 1600;
};

}  // namespace shoal::webrtc
