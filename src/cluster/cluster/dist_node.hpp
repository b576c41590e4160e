#pragma once
// shoal's Erlang distribution node: a real "C node" built on OTP's erl_interface (ei) and the
// system EPMD, so shoal nodes form a cluster with each other the way Jellyfish nodes do, and a
// real Erlang node (same cookie) can connect to them (`net_adm:ping/1` answers pong).
//
// ei's calls block, so a DistNode runs its own bounded set of threads: a gate that holds new
// connections until they have sent a node's name (dist_gate.hpp), a few handshake threads, two
// connectors (retry schedule), one manager (heartbeats, dead-peer detection, disconnect
// reports), a few request-handler workers and one reader per live connection. Every ei call uses
// a timeout; stop() shuts the sockets down and joins everything. ei reaches the network through
// DistTransport (plain TCP, or TLS as OTP's inet_tls_dist when config.tls is set).
//
// Cluster protocol on top of the distribution (all terms sent with REG_SEND):
//   to `shoal_dist`: {shoal_members, [Node]}  nodes the sender is connected to (sent when a
//                                             connection comes up and when the set grows)
//                    shoal_heartbeat          every heartbeat_interval
//   to `shoal`:      {shoal_call, Ref, FromNode, Request}   call() request
//                    {shoal_reply, Ref, Response}           its answer
//                    {shoal_noreply, Ref}                   no handler / handler gave no term
//   to `net_kernel`: {'$gen_call', {Pid, Tag}, {is_auth, Node}} (net_adm:ping) -> Pid ! {Tag, yes}
// Any other message (another registered name, or sent to a pid) goes to the message handler.
//
// Every term buffer in this API is complete external term format starting with the version
// byte 131 (ei_x_new_with_version / term_to_binary); see cluster/term.hpp for helpers. Incoming
// terms are validated (bounded walk, at most 1 MiB) before any decoding or delivery; a frame far
// over the limit drops the connection.
//
// Handlers run on DistNode threads: keep them short (post to your own loop), never call stop()
// from them. The message handler runs on the sending connection's reader thread (do not block
// it, nor call() the same node from it); the call handler on one of `handler_threads` workers;
// the membership handler on the acceptor / connector / manager threads.
//
// Known nodes (kept connected, retried forever with backoff): config.nodes minus this node,
// nodes passed to connect(), nodes learned from peers' membership messages, and nodes that
// connected to us and spoke the shoal protocol. A plain Erlang node (remsh, net_adm:ping) is
// served while connected but not reconnected to once it leaves.
//
// stop() normally returns in a few milliseconds; a handshake in progress with a peer that stalls
// mid-handshake can hold it for up to options.handshake_timeout (ei's calls cannot be
// interrupted, only bounded).
#include "cluster/dist_gate.hpp"
#include "config/config.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cluster {

// Success, or the error text (what start-up prints, what a failed send logs).
using DistStatus = core::Result<void, std::string>;

struct DistOptions {
  // A shoal heartbeat goes to every connection this often...
  std::chrono::milliseconds heartbeat_interval{1000};
  // ...and a shoal peer silent for this long is dropped.
  std::chrono::milliseconds heartbeat_timeout{3000};
  // Plain Erlang nodes only tick every 15 s (net_ticktime 60 s): drop them after this silence.
  std::chrono::milliseconds erlang_peer_timeout{75000};
  // Bound on each step of a connection handshake (EPMD lookup, connect, challenge messages).
  std::chrono::milliseconds handshake_timeout{1000};
  // Bound on reading the rest of a message once it started arriving, and on each send.
  std::chrono::milliseconds io_timeout{1000};
  // Reconnect backoff for known nodes: starts here, doubles, capped.
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{2000};
  // A lost connection is reported (log + membership handler) only when no new connection to the
  // same node replaced it within this time (hides duplicate-connection resolution).
  std::chrono::milliseconds disconnect_grace{200};
  // Node names learned from peers (not configured or discovered here): at most this many are
  // kept, and one unreachable for `learned_expiry` since a peer last named it (or it was last
  // connected) is forgotten, so a cookie holder cannot make this node probe hosts without end.
  std::size_t max_learned_nodes = 256;
  std::chrono::milliseconds learned_expiry{std::chrono::minutes(10)};
  std::size_t handler_threads = 4;
  // Incoming handshakes served at once (each bounded by handshake_timeout per step), and the
  // bounds on connections waiting to show they are a node (dist_gate.hpp).
  std::size_t handshake_threads = 4;
  DistGateLimits gate;
  std::size_t max_queued_requests = 4096;
  std::string epmd_program = "epmd";
};

class DistNode {
 public:
  using MessageHandler = std::function<void(const std::string& from_node,
                                            const std::string& to_name,  // "" when sent to a pid
                                            std::vector<char> term_bytes)>;
  // Answers a call(); returns the response term (with version byte). An empty or malformed
  // result makes the caller's call() return nullopt at once.
  using CallHandler =
      std::function<std::vector<char>(const std::string& from_node, const char* term, std::size_t size)>;
  // `connected` true when a connection to `node` came up, false when it was lost.
  using MembershipHandler = std::function<void(const std::string& node, bool connected)>;

  explicit DistNode(config::DistConfig config, DistOptions options = {});
  ~DistNode();  // stop()
  DistNode(const DistNode&) = delete;
  DistNode& operator=(const DistNode&) = delete;

  // Handlers are set before start().
  void on_message(MessageHandler handler);
  void on_call(CallHandler handler);
  void on_membership(MembershipHandler handler);

  // Ensures EPMD runs (starting `epmd -daemon` if needed), initialises ei, listens on a port of
  // config.port_range (any free port without one), registers with EPMD and starts connecting to
  // config.nodes. Returns the error text on failure (the node is then stopped). A DistNode
  // starts once; make a new one to start again.
  DistStatus start();
  // Idempotent; returns within about a second, joins every thread, unregisters from EPMD.
  void stop();

  bool running() const;
  const std::string& node_name() const;
  std::uint16_t port() const;  // distribution listen port, 0 before start()

  // Adds `node` to the known nodes and connects in the background (retried with backoff).
  DistStatus connect(const std::string& node);
  // Stops keeping `node` connected (no more retries); a live connection stays until it fails.
  void forget(const std::string& node);

  // Thread-safe snapshots.
  std::vector<std::string> connected_nodes() const;  // every live connection, sorted
  std::vector<std::string> known_nodes() const;      // nodes kept connected / retried, sorted
  bool is_connected(const std::string& node) const;

  // Sends `term` to the process registered as `registered_name` on `node`.
  DistStatus send(const std::string& node, const std::string& registered_name,
                  const std::vector<char>& term);

  // Request/response to another shoal node's CallHandler. Thread-safe; nullopt on timeout, when
  // the node is not connected, when the connection drops meanwhile, or on stop(). A call to this
  // node's own name runs the local CallHandler on the calling thread.
  std::optional<std::vector<char>> call(const std::string& node, const std::vector<char>& request,
                                        std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Splits and checks "alive@host" for the naming mode (long names: host has a dot or is an IP;
// short names: host has no dot). Returns an error text, empty when valid.
std::string check_node_name(const std::string& node, config::DistMode mode);

}  // namespace shoal::cluster
