#include "components/hls/hls_live_index.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::components::hls {
namespace {

TEST(HlsLiveIndex, WaitersOfARoomAreWokenByItsUpdatesAndRemoval) {
  HlsLiveIndex index;
  int woken_a = 0, woken_b = 0;
  auto a = index.add_waiter("room-a", [&] { ++woken_a; });
  auto b = index.add_waiter("room-b", [&] { ++woken_b; });
  ASSERT_TRUE(a && b);
  index.update("room-a", {3, 1, 2});
  EXPECT_EQ(woken_a, 1);
  EXPECT_EQ(woken_b, 0);
  index.remove("room-b");
  EXPECT_EQ(woken_b, 1);
  index.remove_waiter(*a);
  index.update("room-a", {3, 2, 2});
  EXPECT_EQ(woken_a, 1) << "a removed waiter is not called";
  EXPECT_EQ(index.waiters(), 1u);
}

TEST(HlsLiveIndex, WaitersAreCappedNodeWide) {
  HlsLiveIndex index;
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < HlsLiveIndex::kMaxWaiters; ++i) {
    auto id = index.add_waiter(i % 2 ? "x" : "y", [] {});
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  EXPECT_FALSE(index.add_waiter("z", [] {}));
  index.remove_waiter(ids.front());
  EXPECT_TRUE(index.add_waiter("z", [] {}));
}

TEST(HlsLiveIndex, AWakeFunctionMayRemoveItsOwnWaiter) {
  HlsLiveIndex index;
  std::uint64_t id = 0;
  auto added = index.add_waiter("r", [&] { index.remove_waiter(id); });
  ASSERT_TRUE(added);
  id = *added;
  index.update("r", {});
  EXPECT_EQ(index.waiters(), 0u);
}

TEST(HlsLiveIndex, HoldsTheLivePlaylistOfTheFileItNames) {
  HlsLiveIndex index;
  EXPECT_EQ(index.playlist("r", "muxed.m3u8"), std::nullopt);
  index.update("r", {3, 1, 6}, "muxed.m3u8", {std::make_shared<const std::string>("#EXTM3U\n"), "#EXT-X-PART:x\n"});
  EXPECT_EQ(index.playlist("r", "muxed.m3u8"), std::optional<std::string>("#EXTM3U\n#EXT-X-PART:x\n"));
  EXPECT_EQ(index.playlist("r", "muxed_delta.m3u8"), std::nullopt);
  EXPECT_EQ(index.playlist("other", "muxed.m3u8"), std::nullopt);
  index.update("r", {3, 2, 6});  // a position without a playlist: the disk's copy is served
  EXPECT_EQ(index.playlist("r", "muxed.m3u8"), std::nullopt);
  index.remove("r");
  EXPECT_EQ(index.playlist("r", "muxed.m3u8"), std::nullopt);
}

}  // namespace
}  // namespace shoal::components::hls
