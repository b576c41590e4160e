// The pending call() requests of a DistNode (dist_call_table.hpp).
#include "cluster/dist_call_table.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;

const std::vector<char> kAnswer = {'\x83', 'd', '\0', '\x01', 'x'};
// Long enough never to expire in a passing test; a failing one ends at this bound.
constexpr auto kLong = 10s;

// wait() on another thread, so the test can act while the call waits.
std::future<std::optional<std::vector<char>>> wait_async(CallTable& table, CallTable::Ref ref,
                                                         std::chrono::milliseconds timeout) {
  return std::async(std::launch::async, [&table, ref, timeout] { return table.wait(ref, timeout); });
}

TEST(DistCallTable, RefsAreDistinctAndNonZero) {
  CallTable table;
  const auto a = table.open("a@127.0.0.1");
  const auto b = table.open("a@127.0.0.1");
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_FALSE(table.wait(a, 0ms));
  const auto c = table.open("b@127.0.0.1");
  EXPECT_NE(c, a) << "a removed call's reference is not reused";
  EXPECT_NE(c, b);
}

TEST(DistCallTable, CompletedOnlyByTheNodeItWentTo) {
  CallTable table;
  const auto ref = table.open("a@127.0.0.1");
  EXPECT_FALSE(table.complete(ref, "b@127.0.0.1", kAnswer)) << "another node cannot answer it";
  EXPECT_FALSE(table.complete(ref + 1, "a@127.0.0.1", kAnswer)) << "no such reference";
  EXPECT_FALSE(table.wait(ref, 0ms)) << "still unanswered";

  const auto answered = table.open("a@127.0.0.1");
  auto result = wait_async(table, answered, kLong);
  EXPECT_TRUE(table.complete(answered, "a@127.0.0.1", kAnswer));
  ASSERT_EQ(result.wait_for(kLong), std::future_status::ready);
  EXPECT_EQ(result.get(), kAnswer);
  EXPECT_FALSE(table.complete(answered, "a@127.0.0.1", kAnswer)) << "removed once collected";
}

TEST(DistCallTable, AnAnswerBeforeTheWaitIsKept) {
  CallTable table;
  const auto ref = table.open("a@127.0.0.1");
  EXPECT_TRUE(table.complete(ref, "a@127.0.0.1", kAnswer));
  EXPECT_EQ(table.wait(ref, 0ms), kAnswer);
}

TEST(DistCallTable, NoReplyEndsTheWaitWithoutAResult) {
  CallTable table;
  const auto ref = table.open("a@127.0.0.1");
  auto result = wait_async(table, ref, kLong);
  EXPECT_TRUE(table.complete(ref, "a@127.0.0.1", std::nullopt));
  ASSERT_EQ(result.wait_for(kLong), std::future_status::ready);
  EXPECT_FALSE(result.get());
}

TEST(DistCallTable, ALostConnectionFailsOnlyThatNodesCalls) {
  CallTable table;
  const auto to_a = table.open("a@127.0.0.1");
  const auto to_b = table.open("b@127.0.0.1");
  auto a_result = wait_async(table, to_a, kLong);
  table.fail_node("a@127.0.0.1");
  ASSERT_EQ(a_result.wait_for(kLong), std::future_status::ready) << "failed at once, not at the timeout";
  EXPECT_FALSE(a_result.get());
  EXPECT_TRUE(table.complete(to_b, "b@127.0.0.1", kAnswer)) << "b's call still waits";
  EXPECT_EQ(table.wait(to_b, 0ms), kAnswer);
}

TEST(DistCallTable, StopFailsEveryCall) {
  CallTable table;
  const auto to_a = table.open("a@127.0.0.1");
  const auto to_b = table.open("b@127.0.0.1");
  auto a_result = wait_async(table, to_a, kLong);
  auto b_result = wait_async(table, to_b, kLong);
  table.fail_all();
  ASSERT_EQ(a_result.wait_for(kLong), std::future_status::ready);
  ASSERT_EQ(b_result.wait_for(kLong), std::future_status::ready);
  EXPECT_FALSE(a_result.get());
  EXPECT_FALSE(b_result.get());
}

TEST(DistCallTable, WaitEndsAtTheTimeout) {
  CallTable table;
  const auto ref = table.open("a@127.0.0.1");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(table.wait(ref, 30ms));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 30ms);
  EXPECT_LT(waited, 5s);
  EXPECT_FALSE(table.complete(ref, "a@127.0.0.1", kAnswer)) << "a timed-out call is removed";
}

}  // namespace
}  // namespace shoal::cluster
