#include "room/bandwidth_allocator.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::room {
namespace {

constexpr int kL = 0, kM = 1, kH = 2;
constexpr int kUncapped = media::LayerSelector::kLayerCount - 1;

SimulcastDemand demand(int target, int current = media::LayerSelector::kNone, std::uint8_t active = 0b111) {
  SimulcastDemand d;
  d.target = target;
  d.current = current;
  d.active_layers = active;
  d.layer_bps = {200'000, 600'000, 2'000'000};
  return d;
}

std::vector<LayerAllocation> allocate(double budget, const std::vector<SimulcastDemand>& demands) {
  std::vector<LayerAllocation> out(demands.size());
  allocate_layers(budget, demands, out);
  return out;
}

TEST(BandwidthAllocator, EnoughBudgetLeavesEveryTrackUncapped) {
  auto out = allocate(10e6, {demand(kH), demand(kM)});
  EXPECT_EQ(out[0].cap, kUncapped);
  EXPECT_FALSE(out[0].limited);
  EXPECT_EQ(out[1].cap, kUncapped);
}

TEST(BandwidthAllocator, ATightBudgetCapsAtTheLowestLayerAndSaysWhatIsMissing) {
  auto out = allocate(350'000, {demand(kM, kM)});
  EXPECT_EQ(out[0].cap, kL);
  EXPECT_TRUE(out[0].limited);
  EXPECT_DOUBLE_EQ(out[0].shortfall_bps, 400'000);
}

TEST(BandwidthAllocator, TracksAreRaisedInTurnSoNoneStarves) {
  // 2 x m = 1.2 M fits 1.5 M with headroom; h for one of them (2.6 M) does not.
  auto out = allocate(1.5e6, {demand(kH, kL), demand(kH, kL)});
  EXPECT_EQ(out[0].cap, kM);
  EXPECT_EQ(out[1].cap, kM);
  EXPECT_TRUE(out[0].limited);
}

TEST(BandwidthAllocator, KeepingTheForwardedLayerNeedsNoHeadroomButRaisingDoes) {
  EXPECT_EQ(allocate(610'000, {demand(kM, kM)})[0].cap, kUncapped);  // m flows and fits
  EXPECT_EQ(allocate(610'000, {demand(kM, kL)})[0].cap, kL);         // m needs 660 k to be taken
}

TEST(BandwidthAllocator, UnmeasuredLayersUseTheDefaultsAndInactiveOnesAreSkipped) {
  SimulcastDemand d = demand(kH, kL, 0b101);  // m is not sent
  d.layer_bps = {};
  auto out = allocate(1e6, {d});
  EXPECT_EQ(out[0].cap, kL);  // h (2.5 M by default) does not fit; m is not there to take
  EXPECT_DOUBLE_EQ(out[0].shortfall_bps, kDefaultLayerBps[2] - kDefaultLayerBps[0]);
  SimulcastDemand silent = demand(kM, media::LayerSelector::kNone, 0);
  EXPECT_EQ(allocate(1.0, {silent})[0].cap, kUncapped);
}

}  // namespace
}  // namespace shoal::room
