#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

namespace shoal::core {
namespace {

TEST(TokenBucket, StartsFullRefillsWithTimeAndNeverBeyondCapacity) {
  TokenBucket bucket(3, 2);  // 3 tokens, 2 per second
  EXPECT_TRUE(bucket.try_take(1, core::at_ms(0)));
  EXPECT_TRUE(bucket.try_take(2, core::at_ms(0)));
  EXPECT_FALSE(bucket.try_take(1, core::at_ms(0)));
  EXPECT_EQ(bucket.wait(1, core::at_ms(0)), std::chrono::milliseconds{501});
  EXPECT_FALSE(bucket.try_take(1, core::at_ms(499)));
  EXPECT_TRUE(bucket.try_take(1, core::at_ms(501)));
  // A long pause refills to capacity only.
  EXPECT_TRUE(bucket.try_take(3, core::at_ms(60'000)));
  EXPECT_FALSE(bucket.try_take(0.5, core::at_ms(60'000)));
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  TokenBucket bucket(1, 1000);
  EXPECT_TRUE(bucket.try_take(1, core::at_ms(1000)));
  EXPECT_FALSE(bucket.try_take(1, core::at_ms(10)));
  EXPECT_FALSE(bucket.try_take(1, core::at_ms(1000)));
  EXPECT_TRUE(bucket.try_take(1, core::at_ms(1001)));
}

}  // namespace
}  // namespace shoal::core
