#include "media/layer_selector.hpp"

namespace shoal::media {

namespace {
bool has(std::uint8_t mask, int layer) { return (mask >> layer) & 1; }
}  // namespace

void LayerSelector::set_target(int layer) {
  if (layer < 0 || layer >= kLayerCount) return;
  target_ = layer;
  choose();
}

void LayerSelector::set_cap(int layer) {
  if (layer < 0 || layer >= kLayerCount) return;
  cap_ = layer;
  choose();
}

void LayerSelector::set_active_layers(std::uint8_t mask) {
  active_ = mask;
  choose();
}

void LayerSelector::choose() {
  const int limit = target_ < cap_ ? target_ : cap_;
  for (int layer = limit; layer >= 0; --layer) {
    if (has(active_, layer)) {
      wanted_ = layer;
      return;
    }
  }
  for (int layer = limit + 1; layer < kLayerCount; ++layer) {
    if (has(active_, layer)) {
      wanted_ = layer;
      return;
    }
  }
  // Nothing arrives at all: keep what we have; its packets resume when the publisher does.
  wanted_ = current_;
}

LayerSelector::Verdict LayerSelector::on_packet(int layer, bool keyframe) {
  if (layer == wanted_ && layer != current_ && keyframe) {
    current_ = layer;
    bool capped = false;  // a layer up to the target is sent, but the cap keeps us below it
    for (int above = layer + 1; above <= target_; ++above) capped = capped || (above > cap_ && has(active_, above));
    reason_ = layer == target_ ? Reason::Other : capped ? Reason::LowBandwidth : Reason::EncodingInactive;
    return Verdict::Switch;
  }
  return layer == current_ && layer != kNone ? Verdict::Forward : Verdict::Drop;
}

std::string_view to_string(LayerSelector::Reason reason) {
  switch (reason) {
    case LayerSelector::Reason::Other:
      return "other";
    case LayerSelector::Reason::EncodingInactive:
      return "encoding_inactive";
    case LayerSelector::Reason::LowBandwidth:
      return "low_bandwidth";
  }
  return "other";
}

}  // namespace shoal::media
