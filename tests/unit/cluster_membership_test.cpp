// The membership state machine of a DistNode (dist_membership.hpp), on a fake clock: which node
// is dialled when, backoff, learned names, forgetting, and what is reported.
#include "cluster/dist_membership.hpp"
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;
using Action = Membership::DialDecision::Action;
using Result = Membership::DialResult;

// Instants on the fake clock, in milliseconds since its start.
core::Time at(std::int64_t ms) { return core::at_ms(ms); }

const std::string kSelf = "self@127.0.0.1";
const std::string kA = "a@127.0.0.1";
const std::string kB = "b@127.0.0.1";
const std::string kC = "c@127.0.0.1";

DistOptions options() {
  DistOptions o;
  o.retry_initial = 200ms;
  o.retry_max = 2000ms;
  o.disconnect_grace = 200ms;
  o.max_learned_nodes = 3;
  o.learned_expiry = 10000ms;
  return o;
}

Membership make(const DistOptions& o = options()) { return Membership(kSelf, config::DistMode::LongNames, o); }

// Dials `node` at `now` (it must be the one due) and ends the dial with `result`.
Membership::DialDecision dial(Membership& m, const std::string& node, Result result, core::Time now,
                              bool installed = false) {
  auto next = m.next_dial(now);
  EXPECT_EQ(next.node, node);
  return m.dial_finished(node, result, installed, now);
}

TEST(DistMembership, DialsTheNodeWaitingLongestAndWakesForTheNextOne) {
  auto m = make();
  m.configure(kB, at(1000));
  m.configure(kA, at(1010));
  m.configure(kC, at(5000));
  EXPECT_TRUE(m.next_dial(at(999)).node.empty()) << "nothing due yet";
  EXPECT_EQ(m.next_dial(at(999)).wake_at, at(1000));

  auto first = m.next_dial(at(1010));
  EXPECT_EQ(first.node, kB) << "due earliest, not first by name";
  auto second = m.next_dial(at(1010));
  EXPECT_EQ(second.node, kA) << "b is in flight: another connector takes the next";
  auto idle = m.next_dial(at(1010));
  EXPECT_TRUE(idle.node.empty());
  EXPECT_EQ(idle.wake_at, at(1510)) << "wakes at most 500 ms later even when nothing is due before";
  EXPECT_EQ(m.next_dial(at(4800)).wake_at, at(5000)) << "or when the next node is due";
}

TEST(DistMembership, BackoffDoublesUpToTheCapAndResetsOnSuccess) {
  auto m = make();
  m.configure(kA, at(0));
  core::Time now = at(0);
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    auto decision = dial(m, kA, Result::Unreachable, now);
    EXPECT_EQ(decision.action, Action::Retry);
    delays.push_back(decision.retry_in);
    EXPECT_TRUE(m.next_dial(now + decision.retry_in - 1ms).node.empty()) << "not before the backoff";
    now += decision.retry_in;
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{200ms, 400ms, 800ms, 1600ms, 2000ms, 2000ms}));

  auto connected = dial(m, kA, Result::Connected, now, true);
  EXPECT_EQ(connected.action, Action::Connected);
  EXPECT_TRUE(m.connection_up(kA));
  EXPECT_TRUE(m.next_dial(now + 10000ms).node.empty()) << "a connected node is not dialled";
  m.connection_lost(kA, now + 50ms, false);
  EXPECT_EQ(m.next_dial(now + 50ms).node, kA) << "a lost connection is dialled again at once";
  EXPECT_EQ(m.dial_finished(kA, Result::NotRegistered, false, now + 50ms).retry_in, 200ms)
      << "backoff starts over after a connection";
}

TEST(DistMembership, AConnectionLostToADuplicateStillCountsAsSuccess) {
  auto m = make();
  m.configure(kA, at(0));
  auto decision = dial(m, kA, Result::Connected, at(0), false);
  EXPECT_EQ(decision.action, Action::Connected);
  EXPECT_EQ(m.next_dial(at(199)).node, "");
  EXPECT_EQ(m.next_dial(at(200)).node, kA) << "checked again after retry_initial";
}

TEST(DistMembership, OnlyRepeatedHandshakeFailuresWarn) {
  auto m = make();
  m.configure(kA, at(0));
  core::Time now = at(0);
  auto first = dial(m, kA, Result::HandshakeFailed, now);
  EXPECT_FALSE(first.handshake_warning) << "one alone is usually a node that was stopping";
  now += first.retry_in;
  EXPECT_TRUE(dial(m, kA, Result::HandshakeFailed, now).handshake_warning);
  now += 400ms;
  EXPECT_FALSE(dial(m, kA, Result::Unreachable, now).handshake_warning) << "the count is of failures in a row";
  now += 800ms;
  EXPECT_FALSE(dial(m, kA, Result::HandshakeFailed, now).handshake_warning);
}

TEST(DistMembership, LearnedNamesAreCapped) {
  auto m = make();  // at most 3 learned names
  auto learned = m.learn({kA, kB, kSelf, "not a node", "d@127.0.0.1", "e@127.0.0.1"}, true, at(0));
  EXPECT_EQ(learned.added, (std::vector<std::string>{kA, kB, "d@127.0.0.1"}));
  EXPECT_EQ(learned.refused, 1u) << "this node's own and invalid names are skipped, not refused";
  EXPECT_TRUE(learned.changed);
  EXPECT_EQ(m.known_nodes(), (std::vector<std::string>{kA, kB, "d@127.0.0.1"}));

  auto again = m.learn({kA, "e@127.0.0.1"}, true, at(10));
  EXPECT_TRUE(again.added.empty());
  EXPECT_EQ(again.refused, 1u);
  EXPECT_FALSE(again.changed) << "a known node already due is not news";

  auto configured = m.learn({"e@127.0.0.1"}, false, at(20));
  EXPECT_EQ(configured.added, std::vector<std::string>{"e@127.0.0.1"}) << "the cap is for peers' names only";
  m.forget(kB);
  EXPECT_EQ(m.learn({"f@127.0.0.1"}, true, at(30)).added, std::vector<std::string>{"f@127.0.0.1"})
      << "forgetting a learned name makes room";
}

TEST(DistMembership, APeerNamingANodeCutsItsBackoff) {
  auto m = make();
  m.configure(kA, at(0));
  core::Time now = at(0);
  for (int i = 0; i < 4; ++i) now += dial(m, kA, Result::Unreachable, now).retry_in;
  auto decision = dial(m, kA, Result::Unreachable, now);
  ASSERT_EQ(decision.retry_in, 2000ms);
  EXPECT_TRUE(m.next_dial(now + 100ms).node.empty());
  EXPECT_TRUE(m.learn({kA}, true, now + 100ms).changed);
  EXPECT_EQ(m.next_dial(now + 100ms).node, kA);
}

TEST(DistMembership, UnreachableLearnedNamesExpire) {
  auto m = make();  // learned_expiry 10 s
  m.learn({kA}, true, at(0));
  m.configure(kB, at(0));
  core::Time now = at(0);
  while (now <= at(10000)) {
    const auto a = m.next_dial(now);
    if (!a.node.empty()) {
      auto decision = m.dial_finished(a.node, Result::Unreachable, false, now);
      EXPECT_EQ(decision.action, Action::Retry) << a.node << " at " << (now - at(0)).count() << " us";
    }
    now += 100ms;
  }
  // Past the expiry: the next failure forgets a, never b (configured here).
  std::vector<Action> a_actions;
  for (int i = 0; i < 2 && a_actions.empty(); ++i, now += 2000ms) {
    for (auto next = m.next_dial(now); !next.node.empty(); next = m.next_dial(now)) {
      auto decision = m.dial_finished(next.node, Result::Unreachable, false, now);
      if (next.node == kA) a_actions.push_back(decision.action);
      if (next.node == kB) {
        EXPECT_EQ(decision.action, Action::Retry);
      }
    }
  }
  EXPECT_EQ(a_actions, std::vector<Action>{Action::Expired});
  EXPECT_EQ(m.known_nodes(), std::vector<std::string>{kB});
}

TEST(DistMembership, APeerVouchingForANodeKeepsIt) {
  auto m = make();
  m.learn({kA}, true, at(0));
  core::Time now = at(0);
  core::Time vouched_at = at(0);
  while (now < at(30000)) {
    if (now - vouched_at >= 5000ms) {
      m.learn({kA}, true, now);  // a peer names it again (it sees the node)
      vouched_at = now;
    }
    if (auto next = m.next_dial(now); !next.node.empty()) {
      EXPECT_EQ(m.dial_finished(next.node, Result::Unreachable, false, now).action, Action::Retry);
    }
    now += 100ms;
  }
  EXPECT_EQ(m.known_nodes(), std::vector<std::string>{kA});
}

TEST(DistMembership, ForgetDuringADialDropsItAfterwards) {
  auto m = make();
  m.configure(kA, at(0));
  ASSERT_EQ(m.next_dial(at(0)).node, kA);
  m.forget(kA);
  EXPECT_EQ(m.known_nodes(), std::vector<std::string>{kA}) << "kept while the dial is in flight";
  EXPECT_EQ(m.dial_finished(kA, Result::Connected, true, at(5)).action, Action::Dropped);
  EXPECT_TRUE(m.known_nodes().empty());

  m.configure(kB, at(0));
  ASSERT_EQ(m.next_dial(at(0)).node, kB);
  m.forget(kB);
  m.learn({kB}, false, at(1));  // connect() again before the dial ended: known after all
  EXPECT_EQ(m.dial_finished(kB, Result::Unreachable, false, at(5)).action, Action::Retry);
  EXPECT_EQ(m.known_nodes(), std::vector<std::string>{kB});

  m.forget(kC);  // unknown: nothing happens
  m.forget(kB);
  EXPECT_TRUE(m.known_nodes().empty()) << "idle: forgotten at once";
}

TEST(DistMembership, DisconnectGraceHidesAReplacedConnection) {
  auto m = make();  // disconnect_grace 200 ms
  EXPECT_TRUE(m.connection_up(kA));
  EXPECT_FALSE(m.connection_up(kA)) << "announced once";
  m.connection_lost(kA, at(1000), false);
  EXPECT_TRUE(m.take_disconnected(at(1199)).empty()) << "within the grace";
  EXPECT_FALSE(m.connection_up(kA)) << "replaced in time: no second announcement";
  EXPECT_TRUE(m.take_disconnected(at(5000)).empty()) << "and no disconnect report";

  m.connection_lost(kA, at(6000), false);
  EXPECT_TRUE(m.take_disconnected(at(6199)).empty());
  EXPECT_EQ(m.take_disconnected(at(6200)), std::vector<std::string>{kA});
  EXPECT_TRUE(m.take_disconnected(at(7000)).empty()) << "reported once";
  EXPECT_TRUE(m.connection_up(kA)) << "announced again after a reported loss";
}

TEST(DistMembership, NothingIsReportedWhileStopping) {
  auto m = make();
  EXPECT_TRUE(m.connection_up(kA));
  EXPECT_TRUE(m.connection_up(kB));
  m.connection_lost(kA, at(0), true);
  m.connection_lost(kB, at(0), false);
  EXPECT_EQ(m.take_disconnected(at(1000)), std::vector<std::string>{kB});
  m.connection_lost(kC, at(0), false);
  m.clear_connections();
  EXPECT_TRUE(m.take_disconnected(at(1000)).empty());
}

TEST(DistMembership, MembersAreDirtyOnceWhenAShoalPeerSpeaks) {
  auto m = make();
  EXPECT_FALSE(m.take_members_dirty());
  m.spoke_shoal(kA, at(0));
  m.spoke_shoal(kB, at(0));
  EXPECT_TRUE(m.take_members_dirty());
  EXPECT_FALSE(m.take_members_dirty());
  EXPECT_EQ(m.known_nodes(), (std::vector<std::string>{kA, kB})) << "kept connected from now on";
  EXPECT_EQ(m.next_dial(at(0)).node, kA);
}

TEST(DistMembership, ANodeThatConnectedToUsExpiresLikeALearnedName) {
  auto m = make();
  m.spoke_shoal(kA, at(0));
  ASSERT_EQ(m.next_dial(at(11000)).node, kA);
  EXPECT_EQ(m.dial_finished(kA, Result::Unreachable, false, at(11000)).action, Action::Expired);

  m.configure(kB, at(0));
  m.spoke_shoal(kB, at(0));  // configured here: never expires
  ASSERT_EQ(m.next_dial(at(11000)).node, kB);
  EXPECT_EQ(m.dial_finished(kB, Result::Unreachable, false, at(11000)).action, Action::Retry);
}

TEST(DistMembership, DuplicateConnectionsKeepTheOneTheFirstNameInitiated) {
  // self "b", peer "a": a's connection (incoming here) wins over ours.
  EXPECT_TRUE(new_connection_wins("b@h", "a@h", true, false));
  EXPECT_FALSE(new_connection_wins("b@h", "a@h", false, true));
  // self "a", peer "b": ours (outgoing) wins.
  EXPECT_TRUE(new_connection_wins("a@h", "b@h", false, true));
  EXPECT_FALSE(new_connection_wins("a@h", "b@h", true, false));
  // The same initiator again: the peer restarted, the new one replaces the old.
  EXPECT_TRUE(new_connection_wins("a@h", "b@h", false, false));
  EXPECT_TRUE(new_connection_wins("a@h", "b@h", true, true));
}

TEST(DistWarningThrottle, OncePerKeyEvery30Seconds) {
  WarningThrottle throttle;
  EXPECT_TRUE(throttle.due("connect:a", at(0)));
  EXPECT_FALSE(throttle.due("connect:a", at(29999)));
  EXPECT_TRUE(throttle.due("connect:b", at(29999)));
  EXPECT_TRUE(throttle.due("connect:a", at(30000)));
  EXPECT_FALSE(throttle.due("connect:a", at(59999)));
}

}  // namespace
}  // namespace shoal::cluster
