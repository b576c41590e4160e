#include "cluster/load_table.hpp"

#include <algorithm>

namespace shoal::cluster {

void LoadTable::update(const NodeUsage& usage, core::Time now) {
  std::lock_guard lock(mutex_);
  auto& entry = entries_[usage.node];
  entry.usage = usage;
  entry.received = now;
  entry.failed.reset();
  if (now < entry.placed_until) entry.usage->rooms = std::max(entry.usage->rooms, entry.placed_rooms);
  // Nodes that left for good stop reporting: their entries go once they are long past use.
  std::erase_if(entries_, [&](const auto& kept) {
    const auto last = std::max({kept.second.received, kept.second.failed.value_or(core::Time{}),
                                kept.second.placed_until});
    return now - last > 100 * freshness_;
  });
}

void LoadTable::placed(const std::string& node, std::uint64_t rooms, core::Time now) {
  // Reports are sampled and sent within milliseconds; a second covers a busy machine too.
  constexpr auto kHold = std::chrono::seconds(1);
  std::lock_guard lock(mutex_);
  auto& entry = entries_[node];
  entry.placed_rooms = rooms;
  entry.placed_until = now + kHold;
  if (entry.usage) entry.usage->rooms = std::max(entry.usage->rooms, rooms);
}

void LoadTable::failed(const std::string& node, core::Time now) {
  std::lock_guard lock(mutex_);
  entries_[node].failed = now;
}

bool LoadTable::wants_events(const std::string& node, core::Time now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(node);
  if (it == entries_.end() || !it->second.usage || now - it->second.received > freshness_) return true;
  return it->second.usage->event_subscribers > 0;
}

LoadTable::View LoadTable::view(const std::vector<std::string>& nodes, core::Time now) const {
  View view;
  std::lock_guard lock(mutex_);
  for (const auto& node : nodes) {
    auto it = entries_.find(node);
    if (it != entries_.end() && failed_recently(it->second, now)) {
      view.skipped.push_back(node);
    } else if (it != entries_.end() && fresh(it->second, now)) {
      view.fresh.push_back(*it->second.usage);
    } else {
      view.stale.push_back(node);
    }
  }
  return view;
}

bool LoadTable::failed_recently(const Entry& entry, core::Time now) const {
  return entry.failed && now - *entry.failed <= freshness_;
}

bool LoadTable::fresh(const Entry& entry, core::Time now) const {
  return entry.usage && now - entry.received <= freshness_ && !failed_recently(entry, now);
}

std::vector<LoadTable::Report> LoadTable::reports(const std::vector<std::string>& nodes, core::Time now) const {
  std::vector<Report> reports;
  std::lock_guard lock(mutex_);
  for (const auto& node : nodes) {
    Report report{node, std::nullopt};
    if (auto it = entries_.find(node); it != entries_.end() && it->second.usage) {
      report.usage = *it->second.usage;
      report.age = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.received);
      report.fresh = fresh(it->second, now);
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace shoal::cluster
