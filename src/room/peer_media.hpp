#pragma once
// The media side of one WebRTC peer: its transport, the state of its negotiation rounds, the
// tracks it publishes (inbound) and the remote tracks it receives (outbound).
#include "room/published_track.hpp"
#include "rtc/rtcp/transport_cc_feedback_generator.hpp"
#include "webrtc/peer_transport.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::room {

class PeerMedia;

class PeerMediaEvents {
 public:
  virtual ~PeerMediaEvents() = default;
  virtual void on_peer_rtp(PeerMedia& media, std::span<std::uint8_t> packet) = 0;
  virtual void on_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> packet) = 0;
  virtual void on_peer_transport_connected(PeerMedia& media) = 0;
  virtual void on_peer_transport_failed(PeerMedia& media, std::string_view reason) = 0;
};

struct InboundStream {
  std::string mid;
  PublishedTrack* track = nullptr;
  std::uint8_t payload_type = 0;
  std::optional<std::uint8_t> rtx_payload_type;
  std::vector<std::uint32_t> ssrcs;
  std::optional<std::uint32_t> rtx_ssrc;
  int rid_extension_id = 0;
  int mid_extension_id = 0;
  int repaired_rid_extension_id = 0;
  int transport_cc_extension_id = 0;
};

class PeerMedia final : public webrtc::PeerTransportHandler {
 public:
  PeerMedia(std::string peer_id, PeerMediaEvents& events) : peer_id_(std::move(peer_id)), events_(events) {}

  const std::string& peer_id() const { return peer_id_; }

  std::unique_ptr<webrtc::PeerTransport> transport;
  bool round_in_flight = false;  // offerData sent, sdpOffer not yet answered
  bool round_wanted = false;     // another round requested meanwhile
  bool negotiated_once = false;
  std::uint64_t answers = 0;
  std::vector<InboundStream> inbound;
  std::vector<std::unique_ptr<OutboundStream>> outbound;
  // Transport-wide congestion control: feedback on what this peer sends us, and our own
  // transport-wide numbering of what we send it.
  rtc::rtcp::TransportCcFeedbackGenerator transport_cc_feedback;
  std::uint16_t next_transport_sequence = 0;

  OutboundStream* outbound_by_ssrc(std::uint32_t ssrc) {
    for (auto& stream : outbound) {
      if (stream->ssrc == ssrc) return stream.get();
    }
    return nullptr;
  }

 private:
  void on_rtp(std::span<std::uint8_t> packet) override { events_.on_peer_rtp(*this, packet); }
  void on_rtcp(std::span<std::uint8_t> packet) override { events_.on_peer_rtcp(*this, packet); }
  void on_transport_connected() override { events_.on_peer_transport_connected(*this); }
  void on_transport_failed(std::string_view reason) override { events_.on_peer_transport_failed(*this, reason); }

  std::string peer_id_;
  PeerMediaEvents& events_;
};

}  // namespace shoal::room
