#pragma once
// A room: its peers, components and signalling endpoints. A Room lives on one event loop and,
// apart from the few thread-safe readers marked below, is touched only on that loop.
#include "components/hls/hls_component.hpp"
#include "core/result.hpp"
#include "core/token_bucket.hpp"
#include "media/producer.hpp"
#include "media/router.hpp"
#include "metrics/refusal_counters.hpp"
#include "metrics/traffic_counters.hpp"
#include "notifications/server_event.hpp"
#include "room/hls_feed.hpp"
#include "room/peer_channel.hpp"
#include "room/peer_media.hpp"
#include "room/room_config.hpp"
#include "room/room_members.hpp"
#include "room/rtsp_source.hpp"
#include "rtc/rtcp/report_block.hpp"
#include "rtc/rtcp/sender_report.hpp"
#include "rtc/rtp/rtp_packet.hpp"
#include "signaling/media_event.hpp"
#include "signaling/negotiation_event.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::room {

struct PeerOptions {
  bool enable_simulcast = true;
};

enum class ComponentType { Hls, Rtsp };

struct ComponentOptions {
  ComponentType type = ComponentType::Hls;
  bool low_latency = false;  // HLS
  bool persistent = false;   // HLS: keep the output after the component ends
  std::optional<int> target_window_seconds{};  // HLS: playlist window; unset: every segment
  std::string source_uri{};  // RTSP
  std::uint16_t rtp_port = 20000;
  std::int64_t reconnect_delay_ms = 15000;
  std::int64_t keep_alive_interval_ms = 15000;
  bool pierce_nat = true;
};

enum class RoomError {
  RoomNotFound,          // 404 Room <id> does not exist (also a room closed meanwhile)
  PeerNotFound,          // 404 Peer <id> does not exist / close reason "peer not found"
  ComponentNotFound,     // 404 Component <id> does not exist
  PeerLimitReached,      // 503
  PeerAlreadyConnected,  // close reason "peer already connected"
  WebrtcDisabled,        // 400: JF_WEBRTC_USED=false
  InvalidOptions,        // 400 Invalid request body structure
  IncompatibleCodec,     // 400 Incompatible video codec enforced in room <id>
  ComponentsLimit,       // 400 Reached components limit in room <id>
  TlsSourceUnsupported,  // 400: an rtsps:// sourceUri (this server's RTSP client has no TLS)
};

struct AddedPeer {
  std::string id;
  std::string json;  // {"id","type","status"}
};

struct AddedComponent {
  std::string id;
  std::string json;  // {"id","type","metadata"}
};

struct RoomSettings {
  bool webrtc_enabled = true;
  notifications::NotificationBus* bus = nullptr;
  // Where peers' TURN listeners bind and what address browsers are given (JF_WEBRTC_TURN_*).
  webrtc::TransportSettings transport{};
  metrics::TrafficCounters* traffic = nullptr;  // node-wide jellyfish_traffic_* counters
  metrics::RefusalCounters* refusals = nullptr;  // node-wide shoal_refused_total
  // Called on the room's loop once the room has crashed (after RoomCrashed): forget the room.
  std::function<void(const std::string& room_id)> on_crashed{};
  // HLS components write to <output_base_path>/hls_output/<room id> (JF_OUTPUT_BASE_PATH).
  std::string output_base_path = "jellyfish_output";
  std::uint64_t hls_min_free_bytes = 0;  // JF_HLS_MIN_FREE_DISK_MB
  components::hls::HlsLiveIndex* hls_live_index = nullptr;  // node-wide, for blocking reloads
  // The room's other members when its peers are spread over loops; null: a room on one loop.
  RoomMembers* members = nullptr;
};

class Room final : private PeerMediaEvents, private RtspSourceEvents {
 public:
  Room(std::string id, RoomConfig config, boost::asio::io_context& loop, RoomSettings settings);
  ~Room() override;
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  const std::string& id() const { return id_; }
  const RoomConfig& config() const { return config_; }  // immutable: safe from any thread
  boost::asio::io_context& loop() const { return loop_; }

  // --- safe from any thread ---
  // JSON of the room as the REST API shows it, republished after every change.
  std::shared_ptr<const std::string> snapshot() const { return snapshot_.load(); }
  std::size_t peer_count() const { return peer_count_.load(std::memory_order_relaxed); }
  std::size_t forwarded_tracks() const { return forwarded_tracks_.load(std::memory_order_relaxed); }
  // {"endpoint_id=<peer>": {<metric>: value}} for the metrics report, republished on change.
  std::shared_ptr<const nlohmann::json> endpoint_metrics() const { return endpoint_metrics_.load(); }

  // --- on the room's loop only ---
  // None of these lets an exception out. A fault (an exception) while handling one peer's
  // input crashes that peer's endpoint only (PeerCrashed, its socket closed); a fault in
  // room-wide handling crashes the room (RoomCrashed, every socket closed, the room forgotten),
  // never the loop, other rooms or the process. A crashed room answers RoomNotFound.
  core::Result<AddedPeer, RoomError> add_peer(const std::optional<PeerOptions>& options);
  core::Result<void, RoomError> remove_peer(std::string_view peer_id);
  core::Result<AddedComponent, RoomError> add_component(ComponentType type,
                                                         const std::optional<ComponentOptions>& options);
  core::Result<void, RoomError> remove_component(std::string_view component_id);

  // A peer socket authenticated with a token for this room.
  core::Result<void, RoomError> connect_peer(std::string_view peer_id, std::shared_ptr<PeerChannel> channel);
  // The peer's socket ended; `channel` identifies which socket (a stale one is ignored).
  void peer_socket_closed(std::string_view peer_id, const PeerChannel* channel);
  void handle_media_event(std::string_view peer_id, const PeerChannel* channel, std::string_view data);

  // What another member of the room reports about its endpoints and tracks (see RoomMembers).
  void apply_member_event(MemberEvent event);
  // This member's ready endpoints and their tracks, as the events that told the other members
  // of them: what a member joining later is sent first.
  std::vector<MemberEvent> member_state();

  // Room deleted: closes every peer socket; later calls answer RoomNotFound.
  void close();
  bool closed() const { return closed_; }

 private:
  struct Peer {
    std::string id;
    PeerOptions options;
    std::shared_ptr<PeerChannel> channel;  // set while a socket is authenticated
    // The endpoint exists while `channel` is set (from authentication on, as in v0.2.1) and is
    // ready, i.e. known to the others and receiving their tracks, once `connect` arrived.
    bool endpoint_ready = false;
    nlohmann::json metadata;
    std::unique_ptr<PeerMedia> media{};    // from the first negotiation round on
    std::uint64_t counted_ingress = 0;     // transport bytes already added to the node's traffic
    std::uint64_t counted_egress = 0;
    bool announced = false;  // the others were sent its endpointAdded
    // Metadata updates beyond the rate wait here (latest wins) and go out as tokens come back.
    core::TokenBucket metadata_updates{kMetadataUpdateBurst, kMetadataUpdatesPerSecond};
    std::optional<nlohmann::json> deferred_endpoint_metadata{};
    std::map<std::string, nlohmann::json, std::less<>> deferred_track_metadata{};
  };
  // An endpoint of another member: known to this member's peers, its tracks mirrored here.
  struct RemoteEndpoint {
    std::string id;
    nlohmann::json metadata;
  };
  struct Component {
    std::string id;
    ComponentOptions options;
    bool playable = false;
    // HLS: the running broadcast; null once it crashed (the component stays listed, as in
    // the original).
    std::unique_ptr<components::hls::HlsComponent> hls;
    // RTSP: the source's session and its reconnects; null once it crashed.
    std::unique_ptr<RtspSource> rtsp{};
  };

  core::Result<AddedPeer, RoomError> add_peer_unguarded(const std::optional<PeerOptions>& options);
  core::Result<void, RoomError> remove_peer_unguarded(std::string_view peer_id);
  core::Result<AddedComponent, RoomError> add_component_unguarded(ComponentType type,
                                                                   const std::optional<ComponentOptions>& options);
  core::Result<void, RoomError> remove_component_unguarded(std::string_view component_id);
  core::Result<void, RoomError> connect_peer_unguarded(std::string_view peer_id, std::shared_ptr<PeerChannel> channel);
  void peer_socket_closed_unguarded(std::string_view peer_id, const PeerChannel* channel);
  void handle_media_event_unguarded(std::string_view peer_id, const PeerChannel* channel, std::string_view data);
  void close_unguarded();
  void apply_member_event_unguarded(MemberEvent& event);

  // --- fault isolation (room_crash.cpp) ---
  // Runs `f`; on an exception crashes the room (guard_room) or that peer's endpoint
  // (guard_peer) and returns false.
  template <typename F>
  bool guard_room(F&& f) noexcept;
  template <typename F>
  bool guard_peer(std::string_view peer_id, F&& f) noexcept;
  void crash(std::string_view what) noexcept;
  void crash_peer(std::string_view peer_id, std::string_view what) noexcept;

  Peer* find_peer(std::string_view peer_id);
  RemoteEndpoint* find_remote_endpoint(std::string_view endpoint_id);
  void send_to_ready_peers(const std::string& event, std::string_view except_id);
  void on_connect(Peer& peer, nlohmann::json metadata);
  void on_endpoint_gone(Peer& peer);
  std::string peer_json(const Peer& peer) const;
  std::string component_json(const Component& component) const;
  void publish_snapshot();
  // Track and metadata changes: one rebuild on a later turn of the loop for a burst of them
  // (a peer publishing several tracks, metadata updates), as the REST view may lag by a turn.
  void publish_snapshot_soon();
  void publish_endpoint_metrics();  // soon, on this loop
  void rebuild_endpoint_metrics();

  // --- components (room_components.cpp) ---
  core::Result<AddedComponent, RoomError> start_hls(const ComponentOptions& options);
  void on_hls_notice(const std::string& component_id, const components::hls::HlsNotice& notice);
  void stop_hls(Component& component);  // ends its broadcast (last segment, closed playlist)
  void stop_components();
  // --- RTSP components (room_rtsp.cpp) ---
  core::Result<AddedComponent, RoomError> start_rtsp(const ComponentOptions& options);
  // Ends its session (TEARDOWN) and takes its track out of the room; `notify`: tell the peers
  // (not while the room itself closes).
  void stop_rtsp(Component& component, bool notify);
  Component* find_component(std::string_view component_id);
  media::Producer& on_rtsp_track(RtspSource& source, media::TrackDescription track) override;
  void on_rtsp_track_ready(RtspSource& source) override;
  void on_rtsp_track_gone(RtspSource& source, const std::string& track_id) override;
  void on_rtsp_packet(media::Producer& track, const rtc::rtp::RtpPacket& packet, core::Time arrival) override;
  void on_rtsp_crashed(RtspSource& source, std::string_view reason) override;
  void count_traffic(Peer& peer);

  // --- endpoint and track metadata (room_metadata.cpp) ---
  static constexpr double kMetadataUpdateBurst = 10;
  static constexpr double kMetadataUpdatesPerSecond = 5;
  bool refuse_oversized_metadata(Peer& peer, std::string_view what, const nlohmann::json& metadata);
  void on_update_endpoint_metadata(Peer& peer, nlohmann::json metadata);
  void on_update_track_metadata(Peer& peer, signaling::UpdateTrackMetadata& event);
  void apply_endpoint_metadata(Peer& peer, nlohmann::json metadata);
  // The owner is this member's peer or another member's endpoint.
  void apply_track_metadata(std::string_view owner_id, std::string_view track_id, nlohmann::json metadata);
  void schedule_metadata_flush(std::chrono::milliseconds wait);
  void flush_deferred_metadata();

  // --- negotiation (room_negotiation.cpp) ---
  void on_custom_event(Peer& peer, signaling::CustomEvent& event);
  void on_custom_event_before_connect(Peer& peer, const signaling::CustomEvent& event);
  PeerMedia* ensure_media(Peer& peer);
  void start_round(Peer& peer);
  void answer_offer(Peer& peer, signaling::SdpOffer offer);
  void announce_tracks_to(Peer& receiver);
  // The owner is a peer or a component; a peer's media (its transport forgets the SSRCs).
  void publish_tracks(const std::string& owner_id, const std::vector<media::Producer*>& added);
  void unpublish_tracks(const std::string& owner_id, PeerMedia* owner_media, const std::vector<std::string>& track_ids);
  void drop_media(Peer& peer);
  // --- the room's other members (room_members.cpp) ---
  void on_endpoint_joined(EndpointJoined& event);
  void on_endpoint_updated(EndpointUpdated& event);
  void on_endpoint_left(const EndpointLeft& event);
  void on_track_published(TrackPublished& event);
  void on_tracks_unpublished(const TracksUnpublished& event);
  // This member's tracks (a peer's, not mirrors) go to the other members, or stop going.
  void export_tracks(const std::string& owner_id, const std::vector<media::Producer*>& added);
  void unexport_tracks(const std::string& owner_id, const std::vector<std::string>& track_ids);
  // A track of this member's peer crosses to the other members from now on: what tells them.
  TrackPublished export_track(media::Producer& track);
  // A track stops crossing: a mirror is released, a track of this member's unexported.
  void stop_crossing(const media::Producer& track);
  void tell_members(MemberEvent event);
  // Every track stops crossing between members (the room closes).
  void detach_from_members();
  // This member closes or crashed: the others see its endpoints leave, and no track crosses.
  void leave_members();
  std::vector<signaling::TrackView> track_views(std::string_view owner_id) const;
  media::Producer* find_track(std::string_view track_id);
  std::uint32_t fresh_ssrc(const PeerMedia& media);
  void update_forwarded_count();

  // --- packet path (room_forwarding.cpp) ---
  void on_peer_rtp(PeerMedia& media, std::span<std::uint8_t> packet) override;  // guarded (room_crash.cpp)
  void on_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> packet) override;
  void on_peer_transport_connected(PeerMedia& media) override;
  void on_peer_transport_failed(PeerMedia& media, std::string_view reason) override;
  void on_peer_layer_switched(PeerMedia& media, const media::Consumer& consumer) override;
  void handle_peer_rtp(PeerMedia& media, std::span<std::uint8_t> packet);
  void handle_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> packet);
  void handle_peer_transport_connected(PeerMedia& media);
  void handle_peer_transport_failed(PeerMedia& media, std::string_view reason);
  void on_media_packet(media::Producer& track, int source, const rtc::rtp::RtpPacket& packet, bool retransmitted,
                       core::Time arrival);
  void measure_rtt(PeerMedia& media, const rtc::rtcp::ReportBlock& block, core::Time now);
  void send_transport_feedback(PeerMedia& media, core::Time now);
  void send_receiver_reports(PeerMedia& media, core::Time now);
  void send_receiver_reports(RtspSource& source, core::Time now);
  void forward_sender_report(PeerMedia& media, const rtc::rtcp::SenderInfo& report, core::Time now);
  void media_tick();
  void on_media_timer();

  // --- simulcast layer control (room_simulcast.cpp) ---
  void on_set_target_variant(Peer& peer, const nlohmann::json& data);
  void update_layer_activity(media::Producer& track, core::Time now);
  void notify_encoding_switched(PeerMedia& media, const media::Consumer& consumer);

  // --- subscriber bandwidth (room_bandwidth.cpp) ---
  void on_downlink_feedback(PeerMedia& media, const rtc::rtcp::TransportCc& feedback, core::Time now);
  void allocate_downlink(PeerMedia& media, core::Time now);
  void update_downlink_rates(PeerMedia& media);
  void report_bandwidth_estimation(PeerMedia& media);

  std::string id_;
  RoomConfig config_;
  boost::asio::io_context& loop_;
  RoomSettings settings_;
  bool closed_ = false;
  std::vector<Peer> peers_;  // insertion order, as listings show it
  std::vector<Component> components_;
  std::vector<RemoteEndpoint> remote_endpoints_;  // the other members' ready endpoints
  std::unique_ptr<HlsFeed> hls_feed_;  // the tracks into the running HLS broadcast (one per room)
  std::vector<std::unique_ptr<media::Producer>> tracks_;  // publication order
  media::Router router_;  // the fan-out: which consumers receive each track

  boost::asio::steady_timer media_timer_;
  bool media_timer_running_ = false;
  boost::asio::steady_timer metadata_timer_;
  bool metadata_timer_armed_ = false;
  bool endpoint_metrics_pending_ = false;  // a rebuild is posted
  bool snapshot_pending_ = false;          // a rebuild is posted
  unsigned media_ticks_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for handlers outliving the room
  // One packet being forwarded: rewritten and encrypted here, once per subscriber.
  std::array<std::uint8_t, webrtc::PeerTransport::kMaxPacket + 64> forward_buffer_{};

  std::atomic<std::shared_ptr<const std::string>> snapshot_;
  std::atomic<std::shared_ptr<const nlohmann::json>> endpoint_metrics_;
  std::atomic<std::size_t> peer_count_{0};
  std::atomic<std::size_t> forwarded_tracks_{0};
};

std::string_view to_string(VideoCodec codec);

template <typename F>
bool Room::guard_room(F&& f) noexcept {
  try {
    f();
    return true;
  } catch (const std::exception& error) {
    crash(error.what());
  } catch (...) {
    crash("unknown exception");
  }
  return false;
}

template <typename F>
bool Room::guard_peer(std::string_view peer_id, F&& f) noexcept {
  try {
    f();
    return true;
  } catch (const std::exception& error) {
    crash_peer(peer_id, error.what());
  } catch (...) {
    crash_peer(peer_id, "unknown exception");
  }
  return false;
}

}  // namespace shoal::room
