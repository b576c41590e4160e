#pragma once
// Incoming datagrams read with one recvmmsg instead of one recvfrom each. A wake-up then costs one
// system call whether one packet or a whole video frame is waiting, and a batch shorter than its
// capacity proves the socket's queue empty, so no extra call is needed to find out. Per thread
// (each loop is one thread): a batch's datagrams are handled before the next read, so every
// socket of a loop shares one set of buffers instead of each peer holding its own.
#include <boost/asio/ip/udp.hpp>

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace shoal::webrtc {

class UdpReceiveBatch {
 public:
  static constexpr std::size_t kCapacity = 32;
  static constexpr std::size_t kMaxDatagram = 2048;

  static UdpReceiveBatch& for_this_thread();

  // Reads what is waiting on the socket `fd`, up to kCapacity datagrams, without blocking.
  // `kept` datagrams are then readable through payload() and sender(); `truncated` ones, longer
  // than kMaxDatagram, were dropped. `full` when the read filled the batch, so more may be
  // waiting; otherwise the socket's queue was empty (or held an error, consumed).
  struct Read {
    std::size_t kept = 0;
    std::size_t truncated = 0;
    bool full = false;
  };
  Read receive(int fd);
  std::span<std::uint8_t> payload(std::size_t index);
  boost::asio::ip::udp::endpoint sender(std::size_t index) const;

 private:
  UdpReceiveBatch();

  std::array<std::array<std::uint8_t, kMaxDatagram>, kCapacity> buffers_{};
  std::array<iovec, kCapacity> vectors_{};
  std::array<sockaddr_storage, kCapacity> senders_{};
  std::array<mmsghdr, kCapacity> headers_{};
  std::array<std::size_t, kCapacity> kept_{};  // index into the read slots, truncated ones skipped
};

}  // namespace shoal::webrtc
