#include "relay/loop_relay.hpp"

#include <boost/asio/post.hpp>

#include <cstring>

namespace shoal::media {

std::shared_ptr<LoopRelay> LoopRelay::create(boost::asio::io_context& home, boost::asio::io_context& remote,
                                             std::size_t capacity) {
  return std::shared_ptr<LoopRelay>(new LoopRelay(home, remote, capacity));
}

bool LoopRelay::send(std::uint32_t track, int stream, const rtc::rtp::RtpPacket& packet, bool keyframe,
                     bool retransmitted, core::Time now) {
  const auto bytes = packet.bytes();
  RelayedPacket* slot = bytes.size() <= RelayedPacket::kMaxPacket ? ring_.claim() : nullptr;
  if (slot == nullptr) {
    ++dropped_;
    return false;
  }
  slot->track = track;
  slot->stream = static_cast<std::uint8_t>(stream);
  slot->keyframe = keyframe;
  slot->retransmitted = retransmitted;
  slot->arrival = now;
  slot->size = static_cast<std::uint16_t>(bytes.size());
  std::memcpy(slot->bytes.data(), bytes.data(), bytes.size());
  ring_.publish();
  ++relayed_;
  wake_remote();
  return true;
}

void LoopRelay::wake_remote() {
  // Pairs with the fence in drain(): either that drain sees the slot just published, or this
  // exchange sees the flag it cleared and posts again.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (drain_posted_.exchange(true, std::memory_order_seq_cst)) return;
  boost::asio::post(remote_, [self = shared_from_this()] { self->drain(); });
}

void LoopRelay::drain() {
  drain_posted_.store(false, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (std::size_t read = 0; read < kDrainBatch; ++read) {
    RelayedPacket* slot = ring_.front();
    if (slot == nullptr) return;
    if (receiver_ != nullptr) {
      receiver_->on_relayed_packet(*slot);
      ++delivered_;
    }
    ring_.pop();
  }
  // More waiting: read them on a later turn, after the loop's other handlers.
  if (ring_.front() != nullptr && !drain_posted_.exchange(true, std::memory_order_seq_cst)) {
    boost::asio::post(remote_, [self = shared_from_this()] { self->drain(); });
  }
}

void LoopRelay::request_keyframe(std::uint32_t track, int stream) {
  boost::asio::post(home_, [self = shared_from_this(), track, stream] {
    if (self->upstream_ != nullptr) self->upstream_->on_relayed_keyframe_request(track, stream);
  });
}

}  // namespace shoal::media
