#include "cluster/dist_membership.hpp"

#include <algorithm>
#include <utility>

namespace shoal::cluster {

namespace {
constexpr std::chrono::seconds kWarnEvery{30};
}  // namespace

bool new_connection_wins(const std::string& self, const std::string& peer, bool old_outgoing,
                         bool new_outgoing) {
  const std::string& old_initiator = old_outgoing ? self : peer;
  const std::string& new_initiator = new_outgoing ? self : peer;
  const std::string& winner = std::min(self, peer);
  return old_initiator == new_initiator || new_initiator == winner;
}

Membership::Membership(std::string self, config::DistMode mode, const DistOptions& options)
    : self_(std::move(self)),
      mode_(mode),
      retry_initial_(options.retry_initial),
      retry_max_(options.retry_max),
      disconnect_grace_(options.disconnect_grace),
      learned_expiry_(options.learned_expiry),
      max_learned_nodes_(options.max_learned_nodes) {}

void Membership::configure(const std::string& node, core::Time now) { targets_[node].next = now; }

std::size_t Membership::learned_count() const {
  return static_cast<std::size_t>(
      std::count_if(targets_.begin(), targets_.end(), [](const auto& entry) { return entry.second.learned; }));
}

Membership::Learned Membership::learn(const std::vector<std::string>& nodes, bool from_peer, core::Time now) {
  Learned result;
  std::size_t learned = learned_count();
  for (const auto& n : nodes) {
    if (n == self_ || !check_node_name(n, mode_).empty()) continue;
    if (from_peer && !targets_.count(n) && learned >= max_learned_nodes_) {
      ++result.refused;
      continue;
    }
    auto [it, inserted] = targets_.try_emplace(n);
    it->second.forgotten = false;
    if (from_peer) {
      if (inserted) {
        it->second.learned = true;
        ++learned;
      }
      it->second.vouched = now;
    } else {
      it->second.learned = false;
    }
    if (inserted) {
      it->second.next = now;
      result.changed = true;
      result.added.push_back(n);
    } else if (!connected_.count(n) && !it->second.in_flight && it->second.next > now) {
      it->second.next = now;  // a peer sees it: try now rather than at the next backoff
      result.changed = true;
    }
  }
  return result;
}

void Membership::spoke_shoal(const std::string& node, core::Time now) {
  auto [it, inserted] = targets_.try_emplace(node);
  if (inserted) {
    it->second.next = now;
    it->second.learned = true;  // it connected to us: kept while reachable, like learned names
  }
  if (it->second.learned) it->second.vouched = now;
  members_dirty_ = true;
}

void Membership::forget(const std::string& node) {
  auto it = targets_.find(node);
  if (it == targets_.end()) return;
  // A dial in flight still ends in dial_finished(), which drops the entry then.
  if (it->second.in_flight) {
    it->second.forgotten = true;
  } else {
    targets_.erase(it);
  }
}

std::vector<std::string> Membership::known_nodes() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : targets_) out.push_back(name);
  return out;  // std::map: already sorted
}

Membership::NextDial Membership::next_dial(core::Time now) {
  NextDial next;
  core::Time pick_at{};
  next.wake_at = now + std::chrono::milliseconds(500);
  for (const auto& [name, t] : targets_) {
    if (t.in_flight || connected_.count(name)) continue;
    if (t.next <= now) {
      if (next.node.empty() || t.next < pick_at) {
        next.node = name;
        pick_at = t.next;
      }
    } else {
      next.wake_at = std::min(next.wake_at, t.next);
    }
  }
  if (!next.node.empty()) targets_[next.node].in_flight = true;
  return next;
}

Membership::DialDecision Membership::dial_finished(const std::string& node, DialResult result, bool installed,
                                                   core::Time now) {
  DialDecision decision;
  auto it = targets_.find(node);
  if (it == targets_.end()) {  // only next_dial() names a node, and only forget() while idle erases
    decision.action = DialDecision::Action::Dropped;
    return decision;
  }
  Target& t = it->second;
  t.in_flight = false;
  t.handshake_failures = result == DialResult::HandshakeFailed ? t.handshake_failures + 1 : 0;
  decision.handshake_warning = t.handshake_failures >= 2;
  if (t.forgotten) {
    targets_.erase(it);
    decision.action = DialDecision::Action::Dropped;
    return decision;
  }
  const bool connected = result == DialResult::Connected;
  if (installed && t.learned) t.vouched = now;
  if (!installed && !connected && t.learned && now - t.vouched > learned_expiry_) {
    targets_.erase(it);
    decision.action = DialDecision::Action::Expired;
    return decision;
  }
  if (installed || connected) {
    t.backoff = std::chrono::milliseconds(0);
    t.next = now + retry_initial_;
    decision.action = DialDecision::Action::Connected;
    return decision;
  }
  t.backoff = t.backoff.count() == 0 ? retry_initial_ : std::min(t.backoff * 2, retry_max_);
  t.next = now + t.backoff;
  decision.action = DialDecision::Action::Retry;
  decision.retry_in = t.backoff;
  return decision;
}

bool Membership::connection_up(const std::string& node) {
  connected_.insert(node);
  lost_.erase(node);
  if (auto t = targets_.find(node); t != targets_.end()) t->second.backoff = std::chrono::milliseconds(0);
  return announced_.insert(node).second;
}

void Membership::connection_lost(const std::string& node, core::Time now, bool stopping) {
  connected_.erase(node);
  if (!stopping) lost_[node] = now;
  if (auto t = targets_.find(node); t != targets_.end()) {
    t->second.next = now;
    t->second.backoff = std::chrono::milliseconds(0);
  }
}

std::vector<std::string> Membership::take_disconnected(core::Time now) {
  std::vector<std::string> gone;
  for (auto it = lost_.begin(); it != lost_.end();) {
    if (now - it->second >= disconnect_grace_ && !connected_.count(it->first)) {
      gone.push_back(it->first);
      announced_.erase(it->first);
      it = lost_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

bool Membership::take_members_dirty() { return std::exchange(members_dirty_, false); }

void Membership::clear_connections() {
  connected_.clear();
  lost_.clear();
  announced_.clear();
}

bool WarningThrottle::due(const std::string& key, core::Time now) {
  auto [it, inserted] = last_.try_emplace(key, now);
  if (inserted) return true;
  if (now - it->second < kWarnEvery) return false;
  it->second = now;
  return true;
}

}  // namespace shoal::cluster
