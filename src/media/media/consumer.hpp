#pragma once
// One subscription: a producer's media as one subscriber receives it. It decides which of the
// producer's packets the subscriber gets (for simulcast one layer, switched only at keyframes),
// rewrites them into the subscriber's numbering (its SSRC and payload type, sequence numbers and
// timestamps continuous across layer switches, its header extension ids), keeps what it sent for
// retransmission, measures the round trip from the subscriber's reports and translates the
// publisher's sender reports. No sockets: the room hands it packets and sends what it returns.
#include "media/layer_selector.hpp"
#include "media/producer.hpp"
#include "rtc/rtcp/report_block.hpp"
#include "rtc/rtcp/sender_report.hpp"
#include "rtc/rtp/retransmission_buffer.hpp"
#include "rtc/rtp/rtp_munger.hpp"
#include "rtc/rtp/rtp_packet.hpp"
#include "rtc/rtp/vp8_munger.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace shoal::media {

class Consumer;

// How a consumer reaches its subscriber: the subscriber's transport and signalling.
class SubscriberLink {
 public:
  virtual bool media_ready() const = 0;  // the subscriber's transport is connected
  // Numbers a packet about to be sent for the subscriber's transport-wide feedback.
  virtual void number(Consumer& consumer, rtc::rtp::RtpPacket& packet) = 0;
  // Where the next forwarded packet is written (Consumer::kMaxPacket bytes and the SRTP trailer
  // at least): a place the transport sends it from without another copy, or `scratch`.
  virtual std::span<std::uint8_t> rtp_buffer(std::span<std::uint8_t> scratch) = 0;
  // `buffer` holds a packet of `size` bytes and room for the SRTP trailer.
  virtual void send_rtp(std::span<std::uint8_t> buffer, std::size_t size) = 0;
  virtual void send_rtcp(std::span<std::uint8_t> buffer, std::size_t size) = 0;
  // A frame's last packet went out: between frames is where bandwidth probes may go.
  virtual void frame_sent(Consumer& consumer, std::span<std::uint8_t> scratch) = 0;
  // The consumer now forwards another simulcast layer: the subscriber is told.
  virtual void layer_switched(Consumer& consumer) = 0;

 protected:
  ~SubscriberLink() = default;
};

class Consumer {
 public:
  static constexpr std::size_t kMaxPacket = 1500;
  static constexpr std::size_t kHistorySlots = 256;

  // `mid`: the subscriber's m-line that carries the track.
  Consumer(std::string mid, Producer& producer, SubscriberLink& subscriber, std::uint32_t ssrc)
      : mid_(std::move(mid)),
        track_id_(producer.id()),
        producer_(&producer),
        subscriber_(subscriber),
        ssrc_(ssrc),
        munger_(producer.description().clock_rate) {}
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  const std::string& mid() const { return mid_; }
  const std::string& track_id() const { return track_id_; }
  SubscriberLink& subscriber() const { return subscriber_; }
  Producer* producer() const { return producer_; }  // null once the publisher removed the track
  void detach();                                     // the producer is going away
  std::uint32_t ssrc() const { return ssrc_; }       // ours, toward the subscriber

  // --- negotiation ---
  struct Negotiated {
    std::uint8_t payload_type = 0;
    std::array<std::uint8_t, 256> extension_map{};  // publisher's id -> subscriber's id (0: drop)
  };
  // The subscriber accepted the track: it starts (again) at a keyframe. Returns true when the
  // consumer was inactive until now.
  bool activate(const Negotiated& negotiated);
  void deactivate() { active_ = false; }
  bool active() const { return active_; }
  std::uint8_t payload_type() const { return payload_type_; }
  // The subscriber's id of the transport-wide sequence extension (0: not negotiated).
  std::uint8_t transport_cc_extension_id() const;

  // --- forwarding ---
  bool can_send() const { return active_ && subscriber_.media_ready(); }
  // A packet of producer stream `stream`: selected, rewritten in `scratch` and sent when this
  // subscriber takes it; asks the producer for a keyframe when it waits for one.
  void forward(int stream, const rtc::rtp::RtpPacket& packet, bool keyframe, bool retransmitted, core::Time now,
               std::span<std::uint8_t> scratch);
  using Selection = LayerSelector::Verdict;  // Switch: forward; the layer just changed
  // Whether this subscriber takes a packet of producer stream `stream` (see LayerSelector).
  Selection select(int stream, bool keyframe, bool retransmitted);
  struct Rewrite {
    std::optional<rtc::rtp::RtpPacket> packet;  // in `out`; nullopt: nothing to send
    bool wants_keyframe = false;                // dropped while waiting for one: ask for it
  };
  // Copies `packet` into `out` rewritten for the subscriber.
  Rewrite rewrite(const rtc::rtp::RtpPacket& packet, bool keyframe, core::Time now, std::span<std::uint8_t> out);
  // A rewritten packet went out (with its final header): keep it for NACKs and count it.
  void sent(const rtc::rtp::RtpPacket& packet, core::Time now);
  // Sequence and timestamp for a padding-only probe after the last packet; nullopt before one.
  std::optional<rtc::rtp::RtpMunger::Mapped> next_padding() { return munger_.next_padding(); }

  // --- feedback from the subscriber ---
  struct Resend {
    std::span<const std::uint8_t> packet;  // empty: nothing to resend
    bool refused = false;                  // resent too recently or over the budget
  };
  // A NACKed packet, at most once per round trip and within a byte budget: resends may use at
  // most half of what the consumer forwarded (a credit forwarding fills up to a cap), so a
  // subscriber's NACKs cannot multiply its downlink.
  Resend resend(std::uint16_t sequence_number, core::Time now);
  // Resends what a NACK asks for that may be resent (through `scratch`); returns how many
  // requests were refused.
  std::uint64_t answer_nack(std::span<const std::uint16_t> sequence_numbers, core::Time now,
                            std::span<std::uint8_t> scratch);
  // Asks the producer for the keyframe this subscriber needs.
  void request_keyframe(core::Time now);
  bool keeps_history() const { return history_ != nullptr; }
  void on_report_block(const rtc::rtcp::ReportBlock& block, core::Time now);
  std::int64_t rtt_ms() const { return rtt_ms_; }  // -1: not measured yet (a duration, reported in ms)
  // The publisher's sender report as this subscriber must see it, when it is about the source
  // the subscriber receives now.
  std::optional<rtc::rtcp::SenderInfo> translate_sender_report(const rtc::rtcp::SenderInfo& report,
                                                               core::Time now);

  // --- keyframes and layers ---
  // The subscriber cannot decode until a keyframe (of the layer it is switching to) arrives.
  bool needs_keyframe() const;
  // The producer stream a keyframe request for this subscriber is about; -1: none.
  int keyframe_stream() const;
  LayerSelector& layers() { return layers_; }
  const LayerSelector& layers() const { return layers_; }

  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  static constexpr double kRetransmitShare = 0.5;
  static constexpr double kRetransmitInitialCredit = 32 * 1024;
  static constexpr double kRetransmitMaxCredit = 256 * 1024;

  std::string mid_;
  std::string track_id_;
  Producer* producer_;
  SubscriberLink& subscriber_;
  std::uint32_t ssrc_;
  std::uint8_t payload_type_ = 0;
  std::array<std::uint8_t, 256> extension_map_{};
  bool active_ = false;
  bool waiting_keyframe_ = true;
  std::uint32_t source_ssrc_ = 0;  // last forwarded input SSRC (a change is a layer switch)
  LayerSelector layers_;
  rtc::rtp::RtpMunger munger_;
  rtc::rtp::Vp8Munger vp8_munger_;
  std::unique_ptr<rtc::rtp::RetransmissionBuffer> history_;  // video only, from the first activation
  double retransmit_credit_bytes_ = kRetransmitInitialCredit;
  std::uint32_t last_sr_ntp_middle_ = 0;
  std::optional<core::Time> last_sr_sent_;  // none before the first translated sender report
  std::int64_t rtt_ms_ = -1;
  std::uint64_t packets_ = 0, bytes_ = 0;
};

}  // namespace shoal::media
