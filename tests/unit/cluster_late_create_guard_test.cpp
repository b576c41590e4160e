// A create whose caller gave up waiting: refused when it has not started, deleted when it
// finished, either way round in time; bounded memory.
#include "cluster/late_create_guard.hpp"
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;
const core::Time kStart{std::chrono::hours(1000)};

TEST(LateCreateGuard, AbandonedBeforeTheCreateStartsIsRefused) {
  LateCreateGuard guard;
  EXPECT_FALSE(guard.abandoned("p1", kStart));
  EXPECT_FALSE(guard.may_create("p1", kStart + 1s));
  EXPECT_TRUE(guard.may_create("p2", kStart + 1s));
}

TEST(LateCreateGuard, AbandonedWhileCreatingTheRoomGoesWhenItIsMade) {
  LateCreateGuard guard;
  EXPECT_TRUE(guard.may_create("p1", kStart));
  EXPECT_FALSE(guard.abandoned("p1", kStart + 1s));
  EXPECT_TRUE(guard.created("p1", "room-1", kStart + 2s));
}

TEST(LateCreateGuard, AbandonedAfterTheRoomWasMadeNamesIt) {
  LateCreateGuard guard;
  EXPECT_TRUE(guard.may_create("p1", kStart));
  EXPECT_FALSE(guard.created("p1", "room-1", kStart + 2s));
  EXPECT_EQ(guard.abandoned("p1", kStart + 3s).value_or(""), "room-1");
  EXPECT_FALSE(guard.abandoned("p1", kStart + 4s));  // once
}

TEST(LateCreateGuard, CallersWithoutATokenAreNeverAbandoned) {
  LateCreateGuard guard;
  EXPECT_FALSE(guard.abandoned("", kStart));
  EXPECT_TRUE(guard.may_create("", kStart));
  EXPECT_FALSE(guard.created("", "room-1", kStart));
}

TEST(LateCreateGuard, TokensAreForgottenAfterAMinuteAndBounded) {
  LateCreateGuard guard;
  EXPECT_FALSE(guard.created("p1", "room-1", kStart));
  EXPECT_FALSE(guard.abandoned("old", kStart));
  // A minute later both are forgotten: the room stays (its caller had its answer long ago) and
  // the token may be used again.
  EXPECT_FALSE(guard.abandoned("p1", kStart + LateCreateGuard::kKeep + 1s));
  EXPECT_TRUE(guard.may_create("old", kStart + LateCreateGuard::kKeep + 1s));

  LateCreateGuard flooded;
  for (std::size_t i = 0; i < LateCreateGuard::kMaxTokens + 100; ++i) {
    flooded.abandoned("t" + std::to_string(i), kStart + std::chrono::milliseconds(i));
  }
  const auto later = kStart + std::chrono::milliseconds(LateCreateGuard::kMaxTokens + 100);
  EXPECT_TRUE(flooded.may_create("t0", later));  // the oldest made room
  EXPECT_FALSE(flooded.may_create("t" + std::to_string(LateCreateGuard::kMaxTokens + 99), later));
}

}  // namespace
}  // namespace shoal::cluster
