#include "components/hls/hls_live_index.hpp"

#include <vector>

namespace shoal::components::hls {

void HlsLiveIndex::update(const std::string& room_id, LivePosition position, std::string playlist_name,
                          SplitPlaylist playlist) {
  {
    std::lock_guard lock(mutex_);
    streams_[room_id] = Stream{position, std::move(playlist_name), std::move(playlist)};
  }
  wake(room_id);
}

void HlsLiveIndex::remove(const std::string& room_id) {
  {
    std::lock_guard lock(mutex_);
    streams_.erase(room_id);
  }
  wake(room_id);
}

std::optional<LivePosition> HlsLiveIndex::position(const std::string& room_id) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(room_id);
  if (it == streams_.end()) return std::nullopt;
  return it->second.position;
}

std::optional<std::string> HlsLiveIndex::playlist(const std::string& room_id, const std::string& file_name) const {
  SplitPlaylist playlist;
  {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(room_id);
    if (it == streams_.end() || it->second.playlist_name.empty() || it->second.playlist_name != file_name ||
        !it->second.playlist.head) {
      return std::nullopt;
    }
    playlist = it->second.playlist;  // the head is shared, not copied
  }
  return playlist.text();  // the long copy happens outside the lock
}

std::optional<std::uint64_t> HlsLiveIndex::add_waiter(const std::string& room_id, std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  if (waiters_.size() >= kMaxWaiters) return std::nullopt;
  const std::uint64_t id = next_waiter_++;
  waiters_.emplace(id, Waiter{room_id, std::move(wake)});
  return id;
}

void HlsLiveIndex::remove_waiter(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  waiters_.erase(id);
}

std::size_t HlsLiveIndex::waiters() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

void HlsLiveIndex::wake(const std::string& room_id) {
  // Called outside the lock: a wake function may (indirectly) remove its waiter.
  std::vector<std::function<void()>> due;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, waiter] : waiters_) {
      if (waiter.room_id == room_id) due.push_back(waiter.wake);
    }
  }
  for (auto& wake_one : due) wake_one();
}

}  // namespace shoal::components::hls
