#pragma once
// A track a peer publishes into its room, and the per-subscriber stream that carries it to each
// other peer. Both live on the room's loop.
#include "rtc/rtp/retransmission_buffer.hpp"
#include "rtc/rtp/rtp_munger.hpp"
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
  std::vector<std::string> ssrc_rids;  // parallel to ssrcs for simulcast
  std::string selected_rid;            // simulcast layer forwarded to every subscriber
  std::uint32_t forwarded_ssrc = 0;    // ssrc of the stream being forwarded (keyframe requests)

  std::vector<OutboundStream*> subscribers;
  std::int64_t keyframe_requested_ms = -1;  // pending request, re-armed until a keyframe arrives
  std::uint8_t fir_sequence = 0;
  std::uint64_t packets = 0, bytes = 0;

  bool is_video() const { return kind == rtc::sdp::MediaKind::Video; }
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
  rtc::rtp::RtpMunger munger;
  std::unique_ptr<rtc::rtp::RetransmissionBuffer> history;  // video only, for NACK
  std::uint64_t packets = 0, bytes = 0;
};

}  // namespace shoal::room
