#pragma once
// Which nodes a DistNode keeps connected, when it dials each, and what it reports, as a state
// machine driven by `now`: no threads, locks, sockets or clock
// reads in here, so the schedule can be tested with a fake clock. DistNode holds its mutex around
// every call and acts on the decisions returned (dial, log, notify, wake its connectors).
//
// Known nodes ("targets") are configured or discovered here, or learned from peers. Learned
// names are capped and expire (DistOptions::max_learned_nodes, learned_expiry), so a cookie
// holder cannot make this node probe hosts without end.
#include "cluster/dist_node.hpp"
#include "core/time.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace shoal::cluster {

// Duplicate connections (both nodes connected to each other at once): both sides keep the
// connection initiated by the node whose name sorts first; a second connection from the same
// initiator replaces the old one (the peer restarted). True when the new connection is kept.
bool new_connection_wins(const std::string& self, const std::string& peer, bool old_outgoing,
                         bool new_outgoing);

class Membership {
 public:
  Membership(std::string self, config::DistMode mode, const DistOptions& options);

  // ---- known nodes ---------------------------------------------------------------------
  // A node from the configuration (already checked), dialled at once.
  void configure(const std::string& node, core::Time now);
  struct Learned {
    std::vector<std::string> added;  // new known nodes
    std::size_t refused = 0;         // names from peers over max_learned_nodes
    bool changed = false;            // a node is due now: wake the connectors
  };
  // `from_peer`: names a peer sent (capped, expiring); otherwise configured or discovered here.
  // Invalid names and this node's own are skipped.
  Learned learn(const std::vector<std::string>& nodes, bool from_peer, core::Time now);
  // The first shoal message on a connection: a shoal node, to be kept connected like a learned
  // name, and news for our other peers (members become dirty).
  void spoke_shoal(const std::string& node, core::Time now);
  // No more dialling of `node`; a live connection stays until it fails.
  void forget(const std::string& node);
  std::vector<std::string> known_nodes() const;  // sorted

  // ---- dialling ------------------------------------------------------------------------
  struct NextDial {
    std::string node;  // empty: nothing is due; wait until wake_at (or a notify)
    core::Time wake_at{};
  };
  // The due node waiting longest, marked in flight (no other connector dials it meanwhile).
  NextDial next_dial(core::Time now);

  enum class DialResult { Connected, NotRegistered, Unreachable, HandshakeFailed };
  struct DialDecision {
    enum class Action {
      Dropped,    // forgotten while in flight: no longer known
      Expired,    // learned, unreachable past learned_expiry: forgotten now (log it)
      Connected,  // handshake done (the connection may have lost to a duplicate)
      Retry,      // failed: dialled again in retry_in
    } action = Action::Retry;
    std::chrono::milliseconds retry_in{0};
    // Two handshakes in a row failed: worth a warning (one alone is usually a node stopping).
    bool handshake_warning = false;
  };
  // Ends the dial next_dial() returned. `installed`: the connection became the node's.
  DialDecision dial_finished(const std::string& node, DialResult result, bool installed, core::Time now);

  // ---- connections ---------------------------------------------------------------------
  // A connection became the node's. True when the node is to be announced as connected (it was
  // not, or its loss was never reported).
  bool connection_up(const std::string& node);
  // The node's connection ended; it is reported only if not replaced within disconnect_grace.
  // While stopping nothing is reported.
  void connection_lost(const std::string& node, core::Time now, bool stopping);
  // Nodes whose loss is now to be reported (log + membership handler).
  std::vector<std::string> take_disconnected(core::Time now);
  // True once after the set of shoal peers grew: send them all the members list again.
  bool take_members_dirty();
  // Stopping: forget every connection without reporting.
  void clear_connections();

 private:
  struct Target {
    core::Time next{};
    std::chrono::milliseconds backoff{0};
    bool in_flight = false;
    int handshake_failures = 0;   // consecutive
    bool forgotten = false;       // forget() came while a dial was in flight: drop it afterwards
    bool learned = false;         // named by a peer (or connected to us), not configured or discovered here
    core::Time vouched{};  // learned: when a peer last named it or it was last connected
  };

  std::size_t learned_count() const;

  const std::string self_;
  const config::DistMode mode_;
  const std::chrono::milliseconds retry_initial_;
  const std::chrono::milliseconds retry_max_;
  const std::chrono::milliseconds disconnect_grace_;
  const std::chrono::milliseconds learned_expiry_;
  const std::size_t max_learned_nodes_;

  std::map<std::string, Target> targets_;
  std::set<std::string> connected_;
  std::map<std::string, core::Time> lost_;  // node -> when its connection ended (unreported)
  std::set<std::string> announced_;           // nodes reported as connected
  bool members_dirty_ = false;
};

// At most one warning per key every 30 s (a node retried every 2 s would flood the log).
class WarningThrottle {
 public:
  bool due(const std::string& key, core::Time now);

 private:
  std::map<std::string, core::Time> last_;
};

}  // namespace shoal::cluster
