#pragma once
// A track a peer publishes into its room, on the receiving side: what negotiation decided about
// it, its receive streams (one, or one per simulcast layer) and the feedback the server owes its
// publisher for them (NACKs, keyframe requests). Lives on the room's loop.
#include "media/codec.hpp"
#include "media/receive_stream.hpp"
#include "media/simulcast_layer.hpp"
#include "rtc/rtp/rtp_packet.hpp"
#include "rtc/sdp/session_description.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace shoal::media {

// Feedback the server originates carries this sender SSRC (RFC 4585 allows any non-media one).
inline constexpr std::uint32_t kServerFeedbackSsrc = 1;

// How a producer reaches its publisher with RTCP.
class PublisherLink {
 public:
  virtual bool feedback_ready() const = 0;  // the publisher's transport is connected
  // `buffer` holds an RTCP packet of `length` bytes and room for the SRTCP trailer.
  virtual void send_feedback(std::span<std::uint8_t> buffer, std::size_t length) = 0;

 protected:
  ~PublisherLink() = default;
};

// What negotiation decided about a published track; fixed for the track's life.
struct TrackDescription {
  std::string id;
  std::string owner_id;
  std::string stream_id;
  rtc::sdp::MediaKind kind = rtc::sdp::MediaKind::Audio;
  std::string codec_name;  // as the publisher negotiated it: "opus", "VP8", "H264"
  std::uint32_t clock_rate = 90000;
  std::vector<rtc::sdp::Extmap> extensions;  // publisher's ids
  std::vector<std::string> rids;             // simulcast layers; empty: one stream
  std::vector<std::uint32_t> ssrcs;          // from the SDP's a=ssrc lines
};

class Producer {
 public:
  static constexpr int kMaxStreams = kSimulcastLayers;  // one per layer; without simulcast only 0

  Producer(TrackDescription description, nlohmann::json metadata, PublisherLink& publisher)
      : description_(std::move(description)),
        codec_(codec_from_name(description_.codec_name)),
        metadata_(std::move(metadata)),
        publisher_(publisher) {}
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  const TrackDescription& description() const { return description_; }
  const std::string& id() const { return description_.id; }
  const std::string& owner_id() const { return description_.owner_id; }
  Codec codec() const { return codec_; }
  bool is_video() const { return description_.kind == rtc::sdp::MediaKind::Video; }
  bool is_simulcast() const { return !description_.rids.empty(); }

  const nlohmann::json& metadata() const { return metadata_; }
  void set_metadata(nlohmann::json metadata) { metadata_ = std::move(metadata); }

  ReceiveStream& stream(int index) { return streams_[static_cast<std::size_t>(index)]; }
  const ReceiveStream& stream(int index) const { return streams_[static_cast<std::size_t>(index)]; }
  std::span<ReceiveStream> streams() { return streams_; }
  std::span<const ReceiveStream> streams() const { return streams_; }
  // Bit i set: stream i is active.
  std::uint8_t active_streams() const;

  // The publisher's id of the transport-wide sequence extension (0: not negotiated).
  int transport_cc_extension_id() const { return transport_cc_extension_id_; }
  void set_transport_cc_extension_id(int id) { transport_cc_extension_id_ = id; }

  struct Ingest {
    bool forward = false;        // hand to subscribers (and sinks unless retransmitted)
    bool keyframe = false;       // starts a keyframe
    bool became_active = false;  // the stream was inactive until this packet
  };
  // A packet of stream `index` (RTX already restored); sends the NACKs and keyframe requests
  // its losses call for.
  Ingest receive(int index, const rtc::rtp::RtpPacket& packet, bool retransmitted, core::Time arrival);
  // A packet of stream `index` that the track's origin, a producer on another loop, accepted
  // and relayed here (this producer mirrors it for the subscribers of this loop): counted and
  // forwarded as it is; the origin asks the publisher for what is lost.
  Ingest receive_relayed(int index, const rtc::rtp::RtpPacket& packet, bool keyframe, bool retransmitted,
                         core::Time arrival);
  // A PLI for stream `index`, unless one is pending and not yet due a retry.
  void request_keyframe(int index, core::Time now);
  // The stream whose SSRC this is; -1 when none has it (or it is 0, not yet learnt).
  int stream_index(std::uint32_t ssrc) const;
  // The publisher's sender report for one of our streams: its index, or -1 when none has the SSRC.
  int on_sender_report(std::uint32_t ssrc, std::uint64_t ntp_timestamp, core::Time arrival);
  // Streams silent for longer than `window` become inactive; true when any did.
  bool expire_streams(core::Time now, core::Duration window);

  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  void send_nacks(ReceiveStream& stream, core::Time now);
  // A fresh packet of `stream` goes on to the subscribers.
  static Ingest accept(ReceiveStream& stream, bool keyframe);

  TrackDescription description_;
  Codec codec_;
  nlohmann::json metadata_;
  PublisherLink& publisher_;
  std::array<ReceiveStream, kMaxStreams> streams_{};
  int transport_cc_extension_id_ = 0;
  std::uint64_t packets_ = 0, bytes_ = 0;
};

}  // namespace shoal::media
