#pragma once
// Live WebSocket sessions (peer and server sockets), so that shutdown can close each one
// cleanly.
#include <functional>
#include <mutex>
#include <unordered_map>

namespace shoal::signaling {

class ConnectionTracker {
 public:
  using Id = std::size_t;
  // `close` must be safe to call from any thread (it posts to the session's loop).
  Id add(std::function<void()> close) {
    std::lock_guard lock(mutex_);
    Id id = next_++;
    sessions_.emplace(id, std::move(close));
    return id;
  }
  void remove(Id id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
  }
  void close_all() {
    std::unordered_map<Id, std::function<void()>> copy;
    {
      std::lock_guard lock(mutex_);
      copy = sessions_;
    }
    for (auto& [id, close] : copy) close();
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
  }

 private:
  mutable std::mutex mutex_;
  Id next_ = 1;
  std::unordered_map<Id, std::function<void()>> sessions_;
};

}  // namespace shoal::signaling
