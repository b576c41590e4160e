#include "room/bandwidth_allocator.hpp"

namespace shoal::room {

namespace {

bool active(const SimulcastDemand& demand, int layer) { return (demand.active_layers >> layer) & 1; }

double rate(const SimulcastDemand& demand, int layer) {
  const double measured = demand.layer_bps[static_cast<std::size_t>(layer)];
  return measured > 0 ? measured : kDefaultLayerBps[static_cast<std::size_t>(layer)];
}

// The best active layer up to the target (the lowest active one if all are above it).
int best_layer(const SimulcastDemand& demand) {
  for (int layer = demand.target; layer >= 0; --layer) {
    if (active(demand, layer)) return layer;
  }
  for (int layer = demand.target + 1; layer < media::LayerSelector::kLayerCount; ++layer) {
    if (active(demand, layer)) return layer;
  }
  return media::LayerSelector::kNone;
}

int next_active_above(const SimulcastDemand& demand, int layer, int limit) {
  for (int above = layer + 1; above <= limit; ++above) {
    if (active(demand, above)) return above;
  }
  return media::LayerSelector::kNone;
}

}  // namespace

void allocate_layers(double budget_bps, std::span<const SimulcastDemand> demands, std::span<LayerAllocation> out) {
  double spent = 0;
  for (std::size_t i = 0; i < demands.size(); ++i) {
    const auto& demand = demands[i];
    out[i] = LayerAllocation{};
    const int best = best_layer(demand);
    if (best == media::LayerSelector::kNone) continue;  // nothing sent: nothing to share
    int lowest = best;
    for (int layer = 0; layer < best; ++layer) {
      if (active(demand, layer)) {
        lowest = layer;
        break;
      }
    }
    out[i].cap = lowest;
    spent += rate(demand, lowest);
  }
  for (bool raised = true; raised;) {
    raised = false;
    for (std::size_t i = 0; i < demands.size(); ++i) {
      const auto& demand = demands[i];
      const int best = best_layer(demand);
      if (best == media::LayerSelector::kNone) continue;
      const int next = next_active_above(demand, out[i].cap, best);
      if (next == media::LayerSelector::kNone) continue;
      const double needed = spent - rate(demand, out[i].cap) + rate(demand, next);
      const double headroom = next > demand.current ? 1.1 : 1.0;
      if (needed * headroom > budget_bps) continue;
      out[i].cap = next;
      spent = needed;
      raised = true;
    }
  }
  for (std::size_t i = 0; i < demands.size(); ++i) {
    const int best = best_layer(demands[i]);
    if (best == media::LayerSelector::kNone || out[i].cap >= best) {
      out[i].cap = media::LayerSelector::kLayerCount - 1;
      continue;
    }
    out[i].limited = true;
    out[i].shortfall_bps = rate(demands[i], best) - rate(demands[i], out[i].cap);
  }
}

}  // namespace shoal::room
