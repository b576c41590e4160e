#include "cluster/dist_call_table.hpp"

namespace shoal::cluster {

CallTable::Ref CallTable::open(const std::string& node) {
  auto p = std::make_shared<Pending>();
  p->node = node;
  std::lock_guard lock(mu_);
  const Ref ref = next_ref_++;
  pending_[ref] = std::move(p);
  return ref;
}

std::optional<std::vector<char>> CallTable::wait(Ref ref, std::chrono::milliseconds timeout) {
  std::shared_ptr<Pending> p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(ref);
    if (it == pending_.end()) return std::nullopt;
    p = it->second;
  }
  std::optional<std::vector<char>> result;
  {
    std::unique_lock lock(p->mu);
    p->cv.wait_for(lock, timeout, [&] { return p->done; });
    if (p->done) result = std::move(p->result);
  }
  std::lock_guard lock(mu_);
  pending_.erase(ref);
  return result;
}

bool CallTable::complete(Ref ref, const std::string& node, std::optional<std::vector<char>> result) {
  std::shared_ptr<Pending> p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(ref);
    if (it == pending_.end() || it->second->node != node) return false;
    p = it->second;
  }
  std::lock_guard lock(p->mu);
  p->done = true;
  p->result = std::move(result);
  p->cv.notify_all();
  return true;
}

void CallTable::fail_node(const std::string& node) { fail(&node); }

void CallTable::fail_all() { fail(nullptr); }

void CallTable::fail(const std::string* node) {
  std::vector<std::shared_ptr<Pending>> failed;
  {
    std::lock_guard lock(mu_);
    for (auto& [ref, p] : pending_) {
      if (!node || p->node == *node) failed.push_back(p);
    }
  }
  for (auto& p : failed) {
    std::lock_guard lock(p->mu);
    p->done = true;
    p->cv.notify_all();
  }
}

}  // namespace shoal::cluster
