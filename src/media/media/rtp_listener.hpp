#pragma once
// Which producer, and which of its streams, an RTP packet from one publisher belongs to. Known
// SSRCs are one hash lookup. A new SSRC is matched once, against the m-lines the peer publishes
// on (its a=ssrc lines, the MID header extension, or for simulcast the RID and, for RTX, the
// repaired RID), bound to the producer's stream and remembered.
#include "media/producer.hpp"
#include "rtc/rtp/rtp_packet.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace shoal::media {

// One m-line a peer publishes a track on, as its latest negotiation round left it.
struct InboundBinding {
  std::string mid;
  Producer* producer = nullptr;
  std::uint8_t payload_type = 0;
  std::optional<std::uint8_t> rtx_payload_type;
  std::vector<std::uint32_t> ssrcs;
  std::optional<std::uint32_t> rtx_ssrc;
  int rid_extension_id = 0;
  int mid_extension_id = 0;
  int repaired_rid_extension_id = 0;
  int transport_cc_extension_id = 0;
};

class RtpListener {
 public:
  struct Route {
    Producer* producer = nullptr;  // null: the packet belongs to no published track
    const InboundBinding* binding = nullptr;
    int stream = 0;  // index into the producer's streams
    bool rtx = false;
  };

  // The binding for `mid`, added when new. Call rebuild() after changing bindings.
  InboundBinding& binding(const std::string& mid);
  // Drops the bindings `drop` selects. Call rebuild() afterwards.
  template <typename Predicate>
  void remove_if(Predicate drop) {
    std::erase_if(bindings_, drop);
  }
  // Re-indexes the SSRCs the bound producers have learned; forgets everything else.
  void rebuild();

  std::span<const InboundBinding> bindings() const { return bindings_; }
  // The transport-wide sequence extension's id on this peer's packets (0: not negotiated).
  int transport_cc_extension_id() const { return transport_cc_extension_id_; }

  // Routes a packet, learning its SSRC when it is new and matches a binding.
  Route route(const rtc::rtp::RtpPacket& packet);
  // Routes a known SSRC only (for RTCP about it).
  Route find(std::uint32_t ssrc) const;

 private:
  struct Entry {
    std::size_t binding = 0;
    int stream = 0;
    bool rtx = false;
  };
  Route learn(const rtc::rtp::RtpPacket& packet);
  Route bind(std::size_t binding, int stream, bool rtx, std::uint32_t ssrc);
  Route to_route(const Entry& entry) const;

  std::vector<InboundBinding> bindings_;
  std::unordered_map<std::uint32_t, Entry> by_ssrc_;
  int transport_cc_extension_id_ = 0;
};

}  // namespace shoal::media
