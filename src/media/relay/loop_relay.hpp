#pragma once
// The hand-off of a room's media from its home loop to another loop of the node that serves
// more of its subscribers. Each packet of a relayed track is copied once into a bounded ring of
// preallocated slots (core::SpscRing) and the other loop is woken to fan it out to its own
// subscribers; their keyframe requests travel back as posted messages. Per packet there is no
// lock and no allocation, and one wake-up per burst rather than per packet. A full ring (the
// other loop fell behind) drops the packet and counts it: the subscribers there recover as from
// loss (NACK, keyframe request), and the home loop never waits.
//
// One relay per pair of loops and direction. Created and owned on the home loop; the other loop
// holds it too (shared) while it has a receiver connected.
#include "core/spsc_ring.hpp"
#include "core/time.hpp"
#include "rtc/rtp/rtp_packet.hpp"

#include <boost/asio/io_context.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace shoal::media {

struct RelayedPacket {
  static constexpr std::size_t kMaxPacket = 1500;

  std::uint32_t track = 0;  // the key both sides agreed for the track
  std::uint8_t stream = 0;  // the producer's stream (simulcast layer)
  bool keyframe = false;
  bool retransmitted = false;
  core::Time arrival;  // when the home loop received it
  std::uint16_t size = 0;
  std::array<std::uint8_t, kMaxPacket> bytes;
};

// On the other loop: takes the relayed packets. The packet may be parsed and rewritten in place;
// it is valid only during the call.
class RelayReceiver {
 public:
  virtual void on_relayed_packet(RelayedPacket& packet) = 0;

 protected:
  ~RelayReceiver() = default;
};

// On the home loop: takes the keyframe requests of the other loop's subscribers.
class RelayUpstream {
 public:
  virtual void on_relayed_keyframe_request(std::uint32_t track, int stream) = 0;

 protected:
  ~RelayUpstream() = default;
};

class LoopRelay final : public std::enable_shared_from_this<LoopRelay> {
 public:
  // `capacity`: packets in flight at most (rounded up to a power of two).
  static std::shared_ptr<LoopRelay> create(boost::asio::io_context& home, boost::asio::io_context& remote,
                                           std::size_t capacity);
  LoopRelay(const LoopRelay&) = delete;
  LoopRelay& operator=(const LoopRelay&) = delete;

  // --- on the home loop ---
  void set_upstream(RelayUpstream* upstream) { upstream_ = upstream; }
  // Copies the packet into the ring and wakes the other loop; false (counted) when the ring is
  // full or the packet too large.
  bool send(std::uint32_t track, int stream, const rtc::rtp::RtpPacket& packet, bool keyframe, bool retransmitted,
            core::Time now);
  std::uint64_t relayed() const { return relayed_; }
  std::uint64_t dropped() const { return dropped_; }

  // --- on the other loop ---
  // Packets published before a receiver is set are discarded when they are read.
  void set_receiver(RelayReceiver* receiver) { receiver_ = receiver; }
  void request_keyframe(std::uint32_t track, int stream);
  std::uint64_t delivered() const { return delivered_; }

  // Slots read per wake-up before the other loop's other work gets a turn.
  static constexpr std::size_t kDrainBatch = 128;

 private:
  LoopRelay(boost::asio::io_context& home, boost::asio::io_context& remote, std::size_t capacity)
      : home_(home), remote_(remote), ring_(capacity) {}

  void wake_remote();
  void drain();

  boost::asio::io_context& home_;
  boost::asio::io_context& remote_;
  core::SpscRing<RelayedPacket> ring_;
  // Set by the home loop when it posts a drain, cleared by the drain before it reads: a packet
  // published meanwhile either is seen by that drain or makes the home loop post another.
  std::atomic<bool> drain_posted_{false};

  RelayUpstream* upstream_ = nullptr;  // home loop only
  std::uint64_t relayed_ = 0, dropped_ = 0;

  RelayReceiver* receiver_ = nullptr;  // other loop only
  std::uint64_t delivered_ = 0;
};

}  // namespace shoal::media
