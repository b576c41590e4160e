#pragma once
// How a subscriber's estimated downlink is shared between the simulcast tracks it receives
// (what Jellyfish's RTPConnectionAllocator does): every track first gets its lowest active
// layer, then tracks are raised one layer at a time, in turn, while the budget holds, up to the
// best layer the subscriber targets. Raising above what is forwarded now needs 10 % headroom,
// so a layer is not taken on an estimate that only just fits it. Pure function: the room feeds
// it measured layer rates and the estimate.
#include "media/layer_selector.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace shoal::room {

struct SimulcastDemand {
  int target = media::LayerSelector::kInitialTarget;
  std::uint8_t active_layers = 0;           // bit i: the publisher sends layer i
  std::array<double, 3> layer_bps{};        // measured; 0 = not measured (defaults are used)
  int current = media::LayerSelector::kNone;       // forwarded now
};

struct LayerAllocation {
  int cap = media::LayerSelector::kLayerCount - 1;
  bool limited = false;        // the budget keeps the track below the best layer it targets
  double shortfall_bps = 0;    // what the best targeted layer would need on top of the cap
};

// Layer rates assumed until measured, as Jellyfish's defaults: l 150 kbps, m 500 kbps, h 2.5 Mbps.
inline constexpr std::array<double, 3> kDefaultLayerBps = {150'000, 500'000, 2'500'000};

// out.size() must equal demands.size().
void allocate_layers(double budget_bps, std::span<const SimulcastDemand> demands, std::span<LayerAllocation> out);

}  // namespace shoal::room
