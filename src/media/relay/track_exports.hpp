#pragma once
// The home loop's half of a relay to another loop of the node: which of this loop's producers go
// through it (each under a key both sides agree on), and the keyframe requests coming back from
// the subscribers over there, handed to the producer as its own subscribers' are. A producer
// is exported once per relay however many subscribers the other loop serves it to.
#include "media/producer.hpp"
#include "media/router.hpp"
#include "media/track_outlet.hpp"
#include "relay/loop_relay.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace shoal::media {

class TrackExports final : private RelayUpstream {
 public:
  // On the home loop; `router` is this loop's fan-out, which outlives this object.
  TrackExports(std::shared_ptr<LoopRelay> relay, Router& router);
  ~TrackExports();
  TrackExports(const TrackExports&) = delete;
  TrackExports& operator=(const TrackExports&) = delete;

  // Starts relaying the producer under `key` (the exporting member's key for the track, the
  // same on all its relays); nothing if it is relayed already.
  void add(Producer& producer, std::uint32_t key);
  // Stops relaying it; to be called before the producer goes away.
  void remove(const Producer& producer);
  std::optional<std::uint32_t> key_of(const Producer& producer) const;
  std::size_t size() const { return exports_.size(); }

  LoopRelay& relay() { return *relay_; }
  std::uint64_t relayed_bytes() const { return relayed_bytes_; }

 private:
  class Export final : public TrackOutlet {
   public:
    Export(TrackExports& owner, Producer& producer, std::uint32_t key)
        : owner_(owner), producer_(producer), key_(key) {}
    Producer& producer() const { return producer_; }
    std::uint32_t key() const { return key_; }
    void on_track_packet(int stream, const rtc::rtp::RtpPacket& packet, bool keyframe, bool retransmitted,
                         core::Time now) override;

   private:
    TrackExports& owner_;
    Producer& producer_;
    std::uint32_t key_;
  };

  void on_relayed_keyframe_request(std::uint32_t key, int stream) override;

  std::shared_ptr<LoopRelay> relay_;
  Router& router_;
  std::vector<std::unique_ptr<Export>> exports_;
  std::uint64_t relayed_bytes_ = 0;
};

}  // namespace shoal::media
