#pragma once
// Everything one shoal node shares across its loops: configuration, rooms, token signer,
// notification bus and metrics.
#include "auth/peer_token.hpp"
#include "cluster/cluster.hpp"
#include "config/config.hpp"
#include "core/loop_pool.hpp"
#include "metrics/metrics.hpp"
#include "notifications/server_event.hpp"
#include "notifications/webhooks.hpp"
#include "room/room_registry.hpp"
#include "server/connection_tracker.hpp"

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <memory>

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
  room::RoomRegistry rooms;
  auth::PeerTokenSigner tokens;
  notifications::NotificationBus bus;
  metrics::Metrics metrics;
  notifications::WebhookDispatcher webhooks;
  ConnectionTracker sockets;
  // Work that blocks (distribution calls) runs here, never on the event loops.
  boost::asio::thread_pool blocking{2};
  std::unique_ptr<cluster::Cluster> cluster;  // set in cluster mode
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Creates a room on this node (any thread): registry, webhook route, RoomCreated notification.
cluster::CreatedRoom create_local_room(Node& node, const room::RoomConfig& config);
// This node's share of the cluster's load, as placement compares it.
cluster::NodeUsage local_usage(const Node& node);

}  // namespace shoal::server
