#pragma once
// The stream that carries a published track (a media::Producer) to one subscriber. Lives on the
// room's loop.
#include "media/producer.hpp"
#include "room/layer_selector.hpp"
#include "rtc/rtp/retransmission_buffer.hpp"
#include "rtc/rtp/rtp_munger.hpp"
#include "rtc/rtp/vp8_munger.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::room {

class PeerMedia;

struct OutboundStream {
  OutboundStream(std::string mid_, media::Producer* track_, PeerMedia* receiver_, std::uint32_t ssrc_)
      : mid(std::move(mid_)),
        track_id(track_->id()),
        track(track_),
        receiver(receiver_),
        ssrc(ssrc_),
        munger(track_->description().clock_rate) {}

  std::string mid;
  std::string track_id;
  media::Producer* track;  // null once the publisher removed it
  PeerMedia* receiver;    // the subscriber; owns this stream
  std::uint32_t ssrc;
  std::uint8_t payload_type = 0;
  std::optional<std::uint8_t> rtx_payload_type;
  std::array<std::uint8_t, 256> extension_map{};  // publisher's id -> receiver's id (0: drop)
  bool active = false;                            // negotiated with a codec, not inactive
  bool waiting_keyframe = true;
  std::uint32_t source_ssrc = 0;  // last forwarded input ssrc (a change is a source switch)
  LayerSelector layers;           // simulcast tracks: this subscriber's layer
  rtc::rtp::RtpMunger munger;
  rtc::rtp::Vp8Munger vp8_munger;  // VP8 tracks: picture ids continuous across layer switches
  std::unique_ptr<rtc::rtp::RetransmissionBuffer> history;  // video only, for NACK
  // Answering NACKs: resends may use at most half of what the stream forwarded (a credit that
  // forwarding fills up to a cap), so a subscriber's NACKs cannot multiply its downlink.
  double retransmit_credit_bytes = kRetransmitInitialCredit;
  static constexpr double kRetransmitShare = 0.5;
  static constexpr double kRetransmitInitialCredit = 32 * 1024;
  static constexpr double kRetransmitMaxCredit = 256 * 1024;
  // Round-trip time to the subscriber, from its receiver reports on the SRs we forward.
  std::uint32_t last_sr_ntp_middle = 0;
  std::int64_t last_sr_sent_us = -1;
  std::int64_t rtt_ms = -1;  // -1: not measured yet
  std::uint64_t packets = 0, bytes = 0;
};

}  // namespace shoal::room
