// The pushed-load side of placement without sockets: the load term, the table placement reads
// (freshness, optimistic counting of rooms just placed) and the push schedule, on a fake clock.
#include "cluster/cluster_messages.hpp"
#include "cluster/load_publisher.hpp"
#include "cluster/load_table.hpp"
#include "cluster/term.hpp"
#include "core/time.hpp"

#include <gtest/gtest.h>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;

TEST(ClusterLoadTerm, RoundTripsAndRejectsWhatAShoalNodeWouldNotSend) {
  const NodeUsage load{"ignored@host", 12, 3, 40, 750, true, 2};
  const auto term = encode_load(load);
  const auto decoded = decode_load("sender@host", term.data(), term.size());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->node, "sender@host");  // the connection's peer, never a field of the term
  EXPECT_EQ(decoded->forwarded_tracks, 12u);
  EXPECT_EQ(decoded->rooms, 3u);
  EXPECT_EQ(decoded->peers, 40u);
  EXPECT_EQ(decoded->cpu_permille, 750u);
  EXPECT_TRUE(decoded->draining);
  EXPECT_EQ(decoded->event_subscribers, 2u);
  EXPECT_FALSE(decode_load("n@h", term.data(), term.size() - 1));  // truncated

  TermWriter bad_state;
  bad_state.tuple(7).atom("shoal_load").ulonglong(1).ulonglong(1).ulonglong(1).ulonglong(1).atom("sleeping").ulonglong(0);
  EXPECT_FALSE(decode_load("n@h", bad_state.bytes().data(), bad_state.bytes().size()));
  TermWriter short_tuple;
  short_tuple.tuple(3).atom("shoal_load").ulonglong(1).ulonglong(1);
  EXPECT_FALSE(decode_load("n@h", short_tuple.bytes().data(), short_tuple.bytes().size()));
  TermWriter text_count;
  text_count.tuple(7).atom("shoal_load").binary("1").ulonglong(1).ulonglong(1).ulonglong(1).atom("serving").ulonglong(0);
  EXPECT_FALSE(decode_load("n@h", text_count.bytes().data(), text_count.bytes().size()));
}

TEST(ClusterLoadTable, AnswersForFreshReportsAndNamesTheNodesToAsk) {
  LoadTable table(3000ms);
  const auto t0 = core::Time{} + 1h;
  table.update(NodeUsage{"a@h", 5, 1}, t0);
  table.update(NodeUsage{"b@h", 1, 1}, t0 - 2s);

  auto view = table.view({"a@h", "b@h", "c@h"}, t0 + 500ms);
  ASSERT_EQ(view.fresh.size(), 2u);
  EXPECT_EQ(view.fresh[0].node, "a@h");
  EXPECT_EQ(view.fresh[1].node, "b@h");
  EXPECT_EQ(view.stale, std::vector<std::string>{"c@h"});  // never reported

  view = table.view({"a@h", "b@h"}, t0 + 1500ms);  // b's report is now 3.5 s old
  ASSERT_EQ(view.fresh.size(), 1u);
  EXPECT_EQ(view.fresh[0].node, "a@h");
  EXPECT_EQ(view.stale, std::vector<std::string>{"b@h"});

  // Only the nodes asked about: a node no longer connected is not offered for placement.
  view = table.view({"b@h"}, t0);
  EXPECT_TRUE(view.fresh.size() == 1 && view.fresh[0].node == "b@h");
}

TEST(ClusterLoadTable, ARoomJustPlacedCountsAtOnceAndAnOlderReportDoesNotUndoIt) {
  LoadTable table(3000ms);
  const auto t0 = core::Time{} + 1h;
  table.update(NodeUsage{"a@h", 0, 4}, t0);
  table.placed("a@h", 5, t0);
  table.placed("a@h", 6, t0);
  table.placed("unknown@h", 1, t0);  // asked, having no report: it stays to be asked
  auto view = table.view({"a@h", "unknown@h"}, t0);
  ASSERT_EQ(view.fresh.size(), 1u);
  EXPECT_EQ(view.fresh[0].rooms, 6u);
  EXPECT_EQ(view.stale, std::vector<std::string>{"unknown@h"});
  // A report sampled before the creates, arriving after them, does not lower the count...
  table.update(NodeUsage{"a@h", 0, 4}, t0 + 10ms);
  EXPECT_EQ(table.view({"a@h"}, t0 + 10ms).fresh[0].rooms, 6u);
  table.update(NodeUsage{"a@h", 0, 7}, t0 + 20ms);  // ...a higher one wins at once...
  EXPECT_EQ(table.view({"a@h"}, t0 + 20ms).fresh[0].rooms, 7u);
  table.update(NodeUsage{"a@h", 0, 2}, t0 + 1500ms);  // ...and after the hold the node's own count does
  EXPECT_EQ(table.view({"a@h"}, t0 + 1500ms).fresh[0].rooms, 2u);
}

// A node placement asked (no report yet) got a room; its first report, sampled before that
// create, arrives after it: the room still counts (a CI run placed 3/1/2 instead of 2/2/2 so).
TEST(ClusterLoadTable, APlacementOnANodeWithoutAReportHoldsAgainstItsFirstReport) {
  LoadTable table(3000ms);
  const auto t0 = core::Time{} + 1h;
  table.placed("new@h", 1, t0);
  table.update(NodeUsage{"a@h", 0, 0}, t0 + 5ms);  // another node's report prunes nothing it should keep
  table.update(NodeUsage{"new@h", 0, 0}, t0 + 10ms);
  auto view = table.view({"new@h"}, t0 + 10ms);
  ASSERT_EQ(view.fresh.size(), 1u);
  EXPECT_EQ(view.fresh[0].rooms, 1u);
  table.update(NodeUsage{"new@h", 0, 0}, t0 + 1500ms);  // after the hold, its own count again
  EXPECT_EQ(table.view({"new@h"}, t0 + 1500ms).fresh[0].rooms, 0u);
}

TEST(ClusterLoadTable, ANodeThatFailedACallIsSkippedUntilItReportsOrTheBoundPasses) {
  LoadTable table(3000ms);
  const auto t0 = core::Time{} + 1h;
  table.update(NodeUsage{"hung@h", 0, 0}, t0);
  table.failed("hung@h", t0 + 100ms);
  table.failed("never@h", t0 + 100ms);  // failed when asked, never reported
  auto view = table.view({"hung@h", "never@h"}, t0 + 200ms);
  EXPECT_TRUE(view.fresh.empty());
  EXPECT_TRUE(view.stale.empty());
  EXPECT_EQ(view.skipped, (std::vector<std::string>{"hung@h", "never@h"}));

  view = table.view({"hung@h", "never@h"}, t0 + 3200ms);  // the bound passed: ask them again
  EXPECT_EQ(view.stale, (std::vector<std::string>{"hung@h", "never@h"}));

  table.failed("hung@h", t0 + 3300ms);
  table.update(NodeUsage{"hung@h", 0, 2}, t0 + 3400ms);  // it answers again: back in at once
  view = table.view({"hung@h"}, t0 + 3400ms);
  ASSERT_EQ(view.fresh.size(), 1u);
  EXPECT_EQ(view.fresh[0].rooms, 2u);
}

TEST(ClusterLoadTable, EventsGoToNodesWithSubscribersOrWithoutAFreshReport) {
  LoadTable table(3000ms);
  const auto t0 = core::Time{} + 1h;
  NodeUsage listening{"listening@h"};
  listening.event_subscribers = 1;
  table.update(listening, t0);
  table.update(NodeUsage{"quiet@h"}, t0);
  EXPECT_TRUE(table.wants_events("listening@h", t0));
  EXPECT_FALSE(table.wants_events("quiet@h", t0));
  EXPECT_TRUE(table.wants_events("unreported@h", t0));  // an older node, or one just connected
  EXPECT_TRUE(table.wants_events("quiet@h", t0 + 4s));   // stale: cannot tell any more
}

TEST(ClusterLoadTable, ForgetsNodesThatStoppedReportingLongAgo) {
  LoadTable table(10ms);
  const auto t0 = core::Time{} + 1h;
  table.update(NodeUsage{"gone@h", 1, 1}, t0);
  table.update(NodeUsage{"live@h", 1, 1}, t0 + 2s);  // prunes entries 100 freshness bounds old
  // A view at the entry's own time would show it, had it been kept.
  EXPECT_TRUE(table.view({"gone@h"}, t0).fresh.empty());
}

TEST(ClusterLoadTable, ReportsTheLastFiguresOfEveryNodeWithTheirAge) {
  LoadTable table(3s);
  const auto start = core::now();
  table.update(NodeUsage{"a@h", 4, 2, 9, 120, false, 0}, start);
  table.update(NodeUsage{"b@h", 1, 1, 1, 10, true, 0}, start);
  table.failed("b@h", start + 1s);
  auto reports = table.reports({"a@h", "b@h", "c@h"}, start + 2s);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].node, "a@h");
  ASSERT_TRUE(reports[0].usage);
  EXPECT_EQ(reports[0].usage->peers, 9u);
  EXPECT_EQ(reports[0].age, 2000ms);
  EXPECT_TRUE(reports[0].fresh);
  ASSERT_TRUE(reports[1].usage);
  EXPECT_TRUE(reports[1].usage->draining);
  EXPECT_FALSE(reports[1].fresh) << "a failed call since its report";
  EXPECT_FALSE(reports[2].usage);
  EXPECT_FALSE(reports[2].fresh);

  reports = table.reports({"a@h"}, start + 4s);
  ASSERT_TRUE(reports[0].usage) << "old figures stay, with their age";
  EXPECT_EQ(reports[0].age, 4000ms);
  EXPECT_FALSE(reports[0].fresh);
}

TEST(ClusterLoadPushSchedule, PushesChangesAtMostOncePerGapOnTheIntervalAndToNewNodes) {
  LoadPushSchedule schedule(1000ms, 250ms);
  const auto t0 = core::Time{} + 1h;
  const NodeUsage idle{"", 0, 0};
  const std::vector<std::string> ab{"a@h", "b@h"};
  EXPECT_EQ(schedule.targets(idle, ab, t0), ab);                    // first report
  EXPECT_TRUE(schedule.targets(idle, ab, t0 + 50ms).empty());       // nothing new
  NodeUsage busier = idle;
  busier.rooms = 1;
  EXPECT_TRUE(schedule.targets(busier, ab, t0 + 100ms).empty());    // changed, within the gap
  EXPECT_EQ(schedule.targets(busier, ab, t0 + 250ms), ab);          // the gap has passed
  NodeUsage cpu_only = busier;
  cpu_only.cpu_permille = 900;
  EXPECT_TRUE(schedule.targets(cpu_only, ab, t0 + 600ms).empty());  // CPU waits for the interval
  const std::vector<std::string> abc{"a@h", "b@h", "c@h"};
  EXPECT_EQ(schedule.targets(cpu_only, abc, t0 + 650ms), std::vector<std::string>{"c@h"});  // joined
  EXPECT_EQ(schedule.targets(cpu_only, abc, t0 + 1250ms), abc);     // the interval
  // A node that left and came back gets the load at once.
  EXPECT_TRUE(schedule.targets(cpu_only, ab, t0 + 1300ms).empty());
  EXPECT_EQ(schedule.targets(cpu_only, abc, t0 + 1350ms), std::vector<std::string>{"c@h"});
  NodeUsage draining = cpu_only;
  draining.draining = true;
  EXPECT_EQ(schedule.targets(draining, abc, t0 + 1500ms), abc);     // draining is a change
}

}  // namespace
}  // namespace shoal::cluster
