#pragma once
// One simulated browser: a peer WebSocket that answers the server's negotiation rounds the way
// membrane-webrtc-js does, and a MediaClient that publishes one VP8 track or receives tracks.
#include "media_client.hpp"
#include "signaling_client.hpp"
#include "video_source.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::bench {

struct ReceivedStream {
  std::uint32_t ssrc = 0;
  bool started = false;
  std::uint64_t highest = 0;  // extended sequence number
  std::uint64_t first = 0;
  std::uint64_t received = 0;
};

// Per publisher index: the send counters that open and close the measured window.
struct MeasureWindow {
  std::vector<std::uint32_t> first;  // inclusive
  std::vector<std::uint32_t> end;    // exclusive; UINT32_MAX while the window is open
  bool open = false;
};

struct PeerOptions {
  std::string host;
  std::uint16_t port = 0;
  std::string peer_id;
  std::string token;
  bool publisher = false;
  double bitrate_bps = 1.5e6;
  std::size_t packet_size = 1200;
  bool decrypt = true;
  std::uint8_t publisher_index = 0;
  std::shared_ptr<const MeasureWindow> window;
};

class SimulatedPeer {
 public:
  SimulatedPeer(boost::asio::io_context& io, std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate,
                PeerOptions options);
  void start();
  void stop();

  // Publisher: sends the packets due at `now` since sending started (bounded burst).
  void send_due(std::chrono::steady_clock::time_point now);
  void set_send_budget(std::optional<std::uint64_t> packets) {
    send_budget_ = packets;
    budget_base_ = packets_sent_;
  }
  void tick(std::chrono::steady_clock::time_point now) { media_.on_tick(now); }

  bool publisher() const { return options_.publisher; }
  std::uint8_t publisher_index() const { return options_.publisher_index; }
  std::uint32_t produced() const { return source_ ? source_->produced() : 0; }
  // Packets (and RTP bytes) received that were sent inside the measured window (needs decrypt).
  std::uint64_t window_packets() const { return window_packets_; }
  std::uint64_t window_bytes() const { return window_bytes_; }
  bool media_connected() const { return media_.connected(); }
  std::string media_state() const { return media_.state_name(); }
  std::uint64_t packets_sent() const { return packets_sent_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t packets_received() const { return packets_received_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::uint64_t keyframe_requests() const { return keyframe_requests_; }
  std::uint64_t srtp_failures() const { return media_.srtp_failures(); }
  const std::vector<ReceivedStream>& streams() const { return streams_; }
  bool closed() const { return closed_; }

 private:
  void on_media_event(const std::string& text);
  void on_offer_data(const nlohmann::json& data);
  void on_rtp(std::span<std::uint8_t> packet);
  void on_rtcp(std::span<std::uint8_t> packet);

  PeerOptions options_;
  std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate_;
  SignalingClient signaling_;
  MediaClient media_;
  std::uint32_t ssrc_ = 0, rtx_ssrc_ = 0;
  std::string track_id_, stream_id_;
  std::size_t receive_lines_ = 0;
  std::uint64_t offers_ = 0;
  bool closed_ = false;

  std::optional<VideoSource> source_;
  std::optional<std::chrono::steady_clock::time_point> sending_since_;
  std::optional<std::uint64_t> send_budget_;
  std::uint64_t budget_base_ = 0;
  std::uint64_t packets_due_base_ = 0;
  std::array<std::uint8_t, MediaClient::kMaxDatagram> send_buffer_{};

  std::uint64_t packets_sent_ = 0, bytes_sent_ = 0;
  std::uint64_t packets_received_ = 0, bytes_received_ = 0;
  std::uint64_t keyframe_requests_ = 0;
  std::uint64_t window_packets_ = 0, window_bytes_ = 0;
  std::vector<ReceivedStream> streams_;
};

}  // namespace shoal::bench
