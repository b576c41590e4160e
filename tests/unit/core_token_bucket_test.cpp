#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

namespace shoal::core {
namespace {

TEST(TokenBucket, StartsFullRefillsWithTimeAndNeverBeyondCapacity) {
  TokenBucket bucket(3, 2);  // 3 tokens, 2 per second
  EXPECT_TRUE(bucket.try_take(1, 0));
  EXPECT_TRUE(bucket.try_take(2, 0));
  EXPECT_FALSE(bucket.try_take(1, 0));
  EXPECT_EQ(bucket.wait_ms(1, 0), 501);
  EXPECT_FALSE(bucket.try_take(1, 499));
  EXPECT_TRUE(bucket.try_take(1, 501));
  // A long pause refills to capacity only.
  EXPECT_TRUE(bucket.try_take(3, 60'000));
  EXPECT_FALSE(bucket.try_take(0.5, 60'000));
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  TokenBucket bucket(1, 1000);
  EXPECT_TRUE(bucket.try_take(1, 1000));
  EXPECT_FALSE(bucket.try_take(1, 10));
  EXPECT_FALSE(bucket.try_take(1, 1000));
  EXPECT_TRUE(bucket.try_take(1, 1001));
}

}  // namespace
}  // namespace shoal::core
