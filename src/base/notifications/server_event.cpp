#include "notifications/server_event.hpp"

#include <algorithm>

namespace shoal::notifications {

NotificationBus::Token NotificationBus::subscribe(Subscriber subscriber) {
  std::lock_guard lock(mutex_);
  Token token = next_token_++;
  subscribers_.emplace_back(token, std::move(subscriber));
  return token;
}

void NotificationBus::unsubscribe(Token token) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [token](const auto& s) { return s.first == token; });
}

bool NotificationBus::has_subscribers() {
  std::lock_guard lock(mutex_);
  return !subscribers_.empty();
}

void NotificationBus::publish(const ServerEvent& event) {
  std::vector<Subscriber> targets;
  {
    std::lock_guard lock(mutex_);
    targets.reserve(subscribers_.size());
    for (const auto& [token, subscriber] : subscribers_) targets.push_back(subscriber);
  }
  for (const auto& subscriber : targets) subscriber(event);
}

}  // namespace shoal::notifications
