#pragma once
// The other loop's half of a relay: for each track the room's other loop exports through it, a
// producer here (a mirror of the origin producer, same description, owned by the room here) fed
// by the relay's packets and routed to this loop's consumers and outlets as a publisher's own
// packets are. The keyframe requests of this loop's subscribers go back through the relay to the
// origin producer.
#include "media/producer.hpp"
#include "media/router.hpp"
#include "relay/loop_relay.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace shoal::media {

class TrackImports final : private RelayReceiver {
 public:
  // On the other loop; `router` is that loop's fan-out, which outlives this object.
  TrackImports(std::shared_ptr<LoopRelay> relay, Router& router);
  ~TrackImports();
  TrackImports(const TrackImports&) = delete;
  TrackImports& operator=(const TrackImports&) = delete;

  // The publisher link of the mirror of the track exported under `key` (see TrackExports::add):
  // the mirror is made with it, then attached. The link lives until remove(key).
  PublisherLink& link(std::uint32_t key);
  // From now on the relay's packets for `key` go to `mirror`; packets before are dropped.
  void attach(std::uint32_t key, Producer& mirror);
  // The mirror goes away (its consumers detached first, as for any producer).
  void remove(std::uint32_t key);
  Producer* find(std::uint32_t key);
  std::size_t size() const { return imports_.size(); }

  // Relayed packets for no known track (added late or removed already), and malformed ones.
  std::uint64_t unrouted() const { return unrouted_; }

 private:
  // The origin's publisher as the mirror producer sees it: its PLIs (for this loop's
  // subscribers) become keyframe requests through the relay.
  class Import final : public PublisherLink {
   public:
    Import(TrackImports& owner, std::uint32_t key) : owner_(owner), key_(key) {}
    std::uint32_t key() const { return key_; }
    Producer* mirror() const { return mirror_; }
    void set_mirror(Producer* mirror) { mirror_ = mirror; }
    bool feedback_ready() const override { return true; }
    void send_feedback(std::span<std::uint8_t> buffer, std::size_t length) override;

   private:
    TrackImports& owner_;
    std::uint32_t key_;
    Producer* mirror_ = nullptr;
  };
  Import* find_import(std::uint32_t key);

  void on_relayed_packet(RelayedPacket& packet) override;

  std::shared_ptr<LoopRelay> relay_;
  Router& router_;
  std::vector<std::unique_ptr<Import>> imports_;
  std::uint64_t unrouted_ = 0;
  // A relayed packet, rewritten here once per subscriber of this loop.
  std::array<std::uint8_t, RelayedPacket::kMaxPacket + 64> forward_buffer_{};
};

}  // namespace shoal::media
