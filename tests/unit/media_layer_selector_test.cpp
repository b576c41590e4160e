#include "media/layer_selector.hpp"

#include <gtest/gtest.h>

namespace shoal::media {
namespace {

using Verdict = LayerSelector::Verdict;
using Reason = LayerSelector::Reason;
constexpr int kLow = 0, kMedium = 1, kHigh = 2;
constexpr std::uint8_t kAll = 0b111;

TEST(LayerSelector, StartsOnMediumAtItsFirstKeyframe) {
  LayerSelector s;
  EXPECT_EQ(s.target(), kMedium);
  EXPECT_EQ(s.current(), LayerSelector::kNone);
  s.set_active_layers(kAll);
  EXPECT_EQ(s.wanted(), kMedium);
  EXPECT_TRUE(s.waiting_keyframe());
  EXPECT_EQ(s.on_packet(kMedium, false), Verdict::Drop);  // no reference for a delta frame
  EXPECT_EQ(s.on_packet(kLow, true), Verdict::Drop);      // not the wanted layer
  EXPECT_EQ(s.on_packet(kMedium, true), Verdict::Switch);
  EXPECT_EQ(s.current(), kMedium);
  EXPECT_EQ(s.reason(), Reason::Other);
  EXPECT_FALSE(s.waiting_keyframe());
  EXPECT_EQ(s.on_packet(kMedium, false), Verdict::Forward);
  EXPECT_EQ(s.on_packet(kHigh, true), Verdict::Drop);
}

TEST(LayerSelector, TargetChangeSwitchesAtKeyframeOfNewLayer) {
  LayerSelector s;
  s.set_active_layers(kAll);
  ASSERT_EQ(s.on_packet(kMedium, true), Verdict::Switch);
  s.set_target(kLow);
  EXPECT_EQ(s.wanted(), kLow);
  EXPECT_TRUE(s.waiting_keyframe());
  EXPECT_EQ(s.on_packet(kMedium, false), Verdict::Forward);  // old layer flows until the switch
  EXPECT_EQ(s.on_packet(kLow, false), Verdict::Drop);
  EXPECT_EQ(s.on_packet(kLow, true), Verdict::Switch);
  EXPECT_EQ(s.reason(), Reason::Other);
  EXPECT_EQ(s.on_packet(kMedium, false), Verdict::Drop);
  EXPECT_EQ(s.on_packet(kLow, false), Verdict::Forward);
  s.set_target(7);  // out of range: ignored
  EXPECT_EQ(s.target(), kLow);
}

TEST(LayerSelector, FallsBackLowerThenHigherWhenTargetInactive) {
  LayerSelector s;
  s.set_target(kHigh);
  s.set_active_layers(kAll);
  ASSERT_EQ(s.on_packet(kHigh, true), Verdict::Switch);
  s.set_active_layers(0b011);  // high stopped: best lower is medium
  EXPECT_EQ(s.wanted(), kMedium);
  EXPECT_EQ(s.on_packet(kMedium, true), Verdict::Switch);
  EXPECT_EQ(s.reason(), Reason::EncodingInactive);
  s.set_active_layers(0b111);  // high is back: return to the target
  EXPECT_EQ(s.wanted(), kHigh);
  EXPECT_EQ(s.on_packet(kHigh, true), Verdict::Switch);
  EXPECT_EQ(s.reason(), Reason::Other);

  LayerSelector low;
  low.set_target(kLow);
  low.set_active_layers(0b100);  // only high is sent: take the lowest higher one
  EXPECT_EQ(low.wanted(), kHigh);
  EXPECT_EQ(low.on_packet(kHigh, true), Verdict::Switch);
  EXPECT_EQ(low.reason(), Reason::EncodingInactive);
  low.set_active_layers(0b110);
  EXPECT_EQ(low.wanted(), kMedium);
}

TEST(LayerSelector, NothingActiveKeepsTheCurrentLayer) {
  LayerSelector s;
  s.set_active_layers(kAll);
  ASSERT_EQ(s.on_packet(kMedium, true), Verdict::Switch);
  s.set_active_layers(0);
  EXPECT_EQ(s.wanted(), kMedium);
  EXPECT_FALSE(s.waiting_keyframe());
  EXPECT_EQ(s.on_packet(kMedium, false), Verdict::Forward);
}

TEST(LayerSelector, RestartWaitsForAKeyframeAgain) {
  LayerSelector s;
  s.set_active_layers(kAll);
  ASSERT_EQ(s.on_packet(kMedium, true), Verdict::Switch);
  s.restart();
  EXPECT_TRUE(s.waiting_keyframe());
  EXPECT_EQ(s.on_packet(kMedium, false), Verdict::Drop);
  EXPECT_EQ(s.on_packet(kMedium, true), Verdict::Switch);
}

TEST(LayerSelector, RidNamesAndReasons) {
  EXPECT_EQ(layer_of_rid("l"), 0);
  EXPECT_EQ(layer_of_rid("m"), 1);
  EXPECT_EQ(layer_of_rid("h"), 2);
  EXPECT_FALSE(layer_of_rid("x"));
  EXPECT_FALSE(layer_of_rid(""));
  EXPECT_EQ(rid_of_layer(2), "h");
  EXPECT_EQ(rid_of_layer(-1), "");
  EXPECT_EQ(to_string(Reason::EncodingInactive), "encoding_inactive");
  EXPECT_EQ(to_string(Reason::LowBandwidth), "low_bandwidth");
  EXPECT_EQ(to_string(Reason::Other), "other");
}

}  // namespace
}  // namespace shoal::media

namespace shoal::media {
namespace {

constexpr int kL = 0, kM = 1, kH = 2;

TEST(LayerSelectorCap, ACapBelowTheTargetSwitchesDownForLowBandwidthAndLiftingItSwitchesBack) {
  LayerSelector s;
  s.set_active_layers(0b111);
  ASSERT_EQ(s.on_packet(kM, true), LayerSelector::Verdict::Switch);
  s.set_cap(kL);
  EXPECT_EQ(s.wanted(), kL);
  EXPECT_EQ(s.on_packet(kM, false), LayerSelector::Verdict::Forward);  // until l's keyframe
  EXPECT_EQ(s.on_packet(kL, true), LayerSelector::Verdict::Switch);
  EXPECT_EQ(s.reason(), LayerSelector::Reason::LowBandwidth);
  s.set_cap(kH);
  EXPECT_EQ(s.wanted(), kM);
  EXPECT_EQ(s.on_packet(kM, true), LayerSelector::Verdict::Switch);
  EXPECT_EQ(s.reason(), LayerSelector::Reason::Other);
}

TEST(LayerSelectorCap, AnInactiveTargetUnderACapIsStillReportedAsInactive) {
  LayerSelector s;
  s.set_target(kH);
  s.set_active_layers(0b011);  // h is not sent
  s.set_cap(kM);
  EXPECT_EQ(s.wanted(), kM);
  EXPECT_EQ(s.on_packet(kM, true), LayerSelector::Verdict::Switch);
  EXPECT_EQ(s.reason(), LayerSelector::Reason::EncodingInactive);
  s.set_active_layers(0b111);  // h comes back, but the cap holds us at m
  EXPECT_EQ(s.wanted(), kM);
}

TEST(LayerSelectorCap, OnlyHigherLayersActiveAreTakenDespiteTheCap) {
  LayerSelector s;
  s.set_cap(kL);
  s.set_active_layers(0b100);
  EXPECT_EQ(s.wanted(), kH);
}

}  // namespace
}  // namespace shoal::media
