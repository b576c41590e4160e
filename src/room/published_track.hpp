#pragma once
// A track a peer publishes into its room, and the per-subscriber stream that carries it to each
// other peer. Both live on the room's loop.
#include "room/layer_selector.hpp"
#include "rtc/rtp/nack_generator.hpp"
#include "rtc/rtp/receive_statistics.hpp"
#include "rtc/rtp/retransmission_buffer.hpp"
#include "rtc/rtp/rtp_munger.hpp"
#include "rtc/rtp/vp8_munger.hpp"
#include "rtc/sdp/session_description.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::room {

struct OutboundStream;
class PeerMedia;

// One RTP stream a publisher sends for a track: the only one, or one simulcast layer.
struct InboundSource {
  std::uint32_t ssrc = 0;      // 0 until learned (SDP a=ssrc or the first packet)
  std::uint32_t rtx_ssrc = 0;  // its retransmissions (RFC 4588), 0 until learned
  std::int64_t last_packet_ms = -1;
  std::int64_t keyframe_requested_ms = -1;  // pending request, re-armed until a keyframe arrives
  bool active = false;                      // packets seen within the activity window
  rtc::rtp::ReceiveStatistics statistics;   // for our receiver reports to the publisher
  rtc::rtp::NackGenerator nacks;            // losses we ask the publisher to resend
  std::int64_t last_nack_ms = -1;
  std::uint64_t bytes = 0;        // received, for the rate below
  std::uint64_t bytes_at_last_rate = 0;
  double bitrate_bps = 0;         // smoothed over seconds; what forwarding this stream costs
};

struct PublishedTrack {
  std::string id;
  std::string owner_id;
  rtc::sdp::MediaKind kind = rtc::sdp::MediaKind::Audio;
  nlohmann::json metadata;
  std::string codec_name;  // as the publisher negotiated it: "opus", "VP8", "H264"
  std::uint32_t clock_rate = 90000;
  std::vector<rtc::sdp::Extmap> extensions;  // publisher's ids
  std::vector<std::string> rids;             // simulcast layers; empty: one stream
  std::string stream_id;

  // Learned from the SDP (a=ssrc) or, for simulcast, from the rid header extension.
  std::vector<std::uint32_t> ssrcs;
  // Simulcast: indexed by layer (l, m, h); otherwise only [0] is used.
  std::array<InboundSource, LayerSelector::kLayerCount> sources;
  int transport_cc_extension_id = 0;  // publisher's id of the transport-wide seq extension

  std::vector<OutboundStream*> subscribers;
  std::uint64_t packets = 0, bytes = 0;
  std::uint32_t hls_key = 0;  // its key in the room's HLS broadcast, 0 when not in one
  int hls_source = -1;        // simulcast: the layer the broadcast takes

  bool is_video() const { return kind == rtc::sdp::MediaKind::Video; }
  bool is_simulcast() const { return !rids.empty(); }
  std::uint8_t active_layers() const {
    std::uint8_t mask = 0;
    for (std::size_t i = 0; i < sources.size(); ++i) mask |= static_cast<std::uint8_t>(sources[i].active << i);
    return mask;
  }
};

struct OutboundStream {
  OutboundStream(std::string mid_, PublishedTrack* track_, PeerMedia* receiver_, std::uint32_t ssrc_)
      : mid(std::move(mid_)),
        track_id(track_->id),
        track(track_),
        receiver(receiver_),
        ssrc(ssrc_),
        munger(track_->clock_rate) {}

  std::string mid;
  std::string track_id;
  PublishedTrack* track;  // null once the publisher removed it
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
