#include "components/hls/hls_live_index.hpp"

namespace shoal::components::hls {

void HlsLiveIndex::update(const std::string& room_id, LivePosition position) {
  std::lock_guard lock(mutex_);
  positions_[room_id] = position;
}

void HlsLiveIndex::remove(const std::string& room_id) {
  std::lock_guard lock(mutex_);
  positions_.erase(room_id);
}

std::optional<LivePosition> HlsLiveIndex::position(const std::string& room_id) const {
  std::lock_guard lock(mutex_);
  auto it = positions_.find(room_id);
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

}  // namespace shoal::components::hls
