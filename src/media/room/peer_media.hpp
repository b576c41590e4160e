#pragma once
// The media side of one WebRTC peer: its transport, the state of its negotiation rounds, the
// tracks it publishes (inbound) and the remote tracks it receives (outbound).
#include "media/consumer.hpp"
#include "media/producer.hpp"
#include "media/rtp_listener.hpp"
#include "rtc/cc/send_side_bandwidth_estimator.hpp"
#include "rtc/rtcp/transport_cc_feedback_generator.hpp"
#include "webrtc/peer_transport.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::room {

// A consumer rewrites into buffers of its own size limit and hands them to this transport.
static_assert(media::Consumer::kMaxPacket == webrtc::PeerTransport::kMaxPacket);

class PeerMedia;

class PeerMediaEvents {
 public:
  virtual ~PeerMediaEvents() = default;
  virtual void on_peer_rtp(PeerMedia& media, std::span<std::uint8_t> packet) = 0;
  virtual void on_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> packet) = 0;
  virtual void on_peer_transport_connected(PeerMedia& media) = 0;
  virtual void on_peer_transport_failed(PeerMedia& media, std::string_view reason) = 0;
  // One of the tracks it receives switched simulcast layer.
  virtual void on_peer_layer_switched(PeerMedia& media, const media::Consumer& consumer) = 0;
};

// What the server sends one subscriber, and what its downlink is estimated to carry.
struct Downlink {
  // Created with the first packet we number transport-wide for it (peers that only publish, or
  // whose browser did not negotiate transport-cc, never pay for one).
  std::unique_ptr<rtc::cc::SendSideBandwidthEstimator> estimator;
  std::uint64_t bytes_at_last_tick = 0;
  double media_bps = 0;            // forwarded media over the last second
  double padding_bps = 0;          // probing rate wanted now (0: not probing)
  double padding_credit_bytes = 0;  // padding owed, spent at frame boundaries
  std::uint64_t decreases_seen = 0;
  // Probing paused after it caused congestion; the clock's epoch (long past) when not paused.
  core::Time probe_resume;
  std::chrono::milliseconds probe_backoff{0};
  double reported_bps = -1;         // last bandwidthEstimation sent to the peer
};

class PeerMedia final : public webrtc::PeerTransportHandler,
                        public media::PublisherLink,
                        public media::SubscriberLink {
 public:
  PeerMedia(std::string peer_id, PeerMediaEvents& events) : peer_id_(std::move(peer_id)), events_(events) {}

  const std::string& peer_id() const { return peer_id_; }

  std::unique_ptr<webrtc::PeerTransport> transport;
  bool round_in_flight = false;  // offerData sent, sdpOffer not yet answered
  bool round_wanted = false;     // another round requested meanwhile
  bool negotiated_once = false;
  std::uint64_t answers = 0;
  media::RtpListener inbound;  // the tracks it publishes, by m-line and SSRC
  std::vector<std::unique_ptr<media::Consumer>> outbound;  // one per m-line that receives a track
  // Transport-wide congestion control: feedback on what this peer sends us, and our own
  // transport-wide numbering of what we send it.
  rtc::rtcp::TransportCcFeedbackGenerator transport_cc_feedback;
  std::uint16_t next_transport_sequence = 0;
  Downlink downlink;

  // As a publisher: feedback about what it sends.
  bool feedback_ready() const override { return transport && transport->connected(); }
  void send_feedback(std::span<std::uint8_t> buffer, std::size_t length) override {
    if (transport) transport->send_rtcp(buffer, length);
  }

  // As a subscriber (peer_media.cpp).
  bool media_ready() const override { return transport && transport->connected(); }
  void number(media::Consumer& consumer, rtc::rtp::RtpPacket& packet) override;
  std::span<std::uint8_t> rtp_buffer(std::span<std::uint8_t> scratch) override {
    return transport ? transport->rtp_buffer(scratch) : scratch;
  }
  void send_rtp(std::span<std::uint8_t> buffer, std::size_t size) override { transport->send_rtp(buffer, size); }
  void send_rtcp(std::span<std::uint8_t> buffer, std::size_t size) override { transport->send_rtcp(buffer, size); }
  void frame_sent(media::Consumer& consumer, std::span<std::uint8_t> scratch) override;
  void layer_switched(media::Consumer& consumer) override { events_.on_peer_layer_switched(*this, consumer); }

  media::Consumer* outbound_by_ssrc(std::uint32_t ssrc) {
    for (auto& consumer : outbound) {
      if (consumer->ssrc() == ssrc) return consumer.get();
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
