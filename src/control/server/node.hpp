#pragma once
// Everything one shoal node shares across its loops: configuration, rooms, token signer,
// notification bus and metrics.
#include "auth/peer_token.hpp"
#include "cluster/cluster.hpp"
#include "components/hls/hls_live_index.hpp"
#include "config/config.hpp"
#include "core/loop_pool.hpp"
#include "core/shutdown_context.hpp"
#include "core/time.hpp"
#include "metrics/metrics.hpp"
#include "notifications/server_event.hpp"
#include "notifications/webhooks.hpp"
#include "room/room_registry.hpp"
#include "signaling/connection_tracker.hpp"
#include "webrtc/tcp_turn_listener.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace shoal::server {

struct Node {
  Node(const config::Config& cfg, core::LoopPool& pool)
      : config(cfg),
        loops(pool),
        tokens(cfg.secret_key_base),
        metrics(rooms),
        webhooks(pool.loop(0), bus, cfg.server_api_token, metrics) {}

  const config::Config& config;
  core::LoopPool& loops;
  // Work that blocks (distribution calls) runs here, never on the event loops. Declared early so
  // it outlives the members holding its executors (the cluster relay's strand in `bus`).
  core::BlockingPool blocking{2};
  room::RoomRegistry rooms;
  auth::PeerTokenSigner tokens;
  notifications::NotificationBus bus;
  metrics::Metrics metrics;
  notifications::WebhookDispatcher webhooks;
  signaling::ConnectionTracker sockets;  // peer and server WebSocket sessions
  components::hls::HlsLiveIndex hls_live;  // low-latency HLS streams, for blocking reloads
  std::unique_ptr<cluster::Cluster> cluster;  // set in cluster mode
  // JF_WEBRTC_TURN_TCP_PORT: the shared TCP TURN listener, started by the first room created
  // (as Jellyfish starts it) and then kept for the node's lifetime, so its secret - and the
  // credentials peers were given - stay valid. Guarded by tcp_turn_mutex.
  std::mutex tcp_turn_mutex;
  std::shared_ptr<webrtc::TcpTurnListener> tcp_turn;
  // Draining (SIGTERM or POST /drain): no new rooms or peers here; the rooms live on until they
  // end or the deadline. `drain` starts one, or brings its deadline forward (set by the
  // application; any thread).
  std::atomic<bool> draining{false};
  std::function<void(std::chrono::seconds timeout)> drain{};
  cluster::RecentCpuShare cpu;  // this process's CPU share, for GET /cluster
  const core::Time started = core::now();
};

// Creates a room on this node (any thread): registry, webhook route, RoomCreated notification.
cluster::CreatedRoom create_local_room(Node& node, const room::RoomConfig& config);
// Deletes a room of this node from any thread (RoomDeleted follows once it is closed); nothing
// when there is no such room. `closed`, when given, is called after RoomDeleted was published
// (on the room's loop), or at once when there is no such room.
void delete_local_room(Node& node, const std::string& room_id, std::function<void()> closed = {});
// This node's share of the cluster's load, as placement compares it.
cluster::NodeUsage local_usage(const Node& node);

}  // namespace shoal::server
