#include "cluster/late_create_guard.hpp"

#include <iterator>

namespace shoal::cluster {

bool LateCreateGuard::may_create(const std::string& token, core::Time now) {
  if (token.empty()) return true;  // a caller that sends no token never abandons
  std::lock_guard lock(mutex_);
  forget_old(now);
  const auto it = entries_.find(token);
  return it == entries_.end() || !it->second.abandoned;
}

bool LateCreateGuard::created(const std::string& token, const std::string& room_id, core::Time now) {
  if (token.empty()) return false;
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto [it, inserted] = entries_.try_emplace(token, Entry{now});
  if (!inserted && it->second.abandoned) {
    entries_.erase(it);
    return true;
  }
  it->second.room_id = room_id;
  return false;
}

std::optional<std::string> LateCreateGuard::abandoned(const std::string& token, core::Time now) {
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  forget_old(now);
  auto [it, inserted] = entries_.try_emplace(token, Entry{now, true});
  if (!inserted && !it->second.room_id.empty()) {
    auto room_id = std::move(it->second.room_id);
    entries_.erase(it);
    return room_id;
  }
  it->second.abandoned = true;
  return std::nullopt;
}

void LateCreateGuard::forget_old(core::Time now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now - it->second.at > kKeep ? entries_.erase(it) : std::next(it);
  }
  // Over the bound (a flood of tokens), the oldest go first.
  while (entries_.size() >= kMaxTokens) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.at < oldest->second.at) oldest = it;
    }
    entries_.erase(oldest);
  }
}

}  // namespace shoal::cluster
