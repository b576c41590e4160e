#include "cluster/dns_poller.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace shoal::cluster {

std::vector<std::string> resolve_host(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> addresses;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0) return addresses;
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    char host[NI_MAXHOST] = {};
    if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) == 0) {
      addresses.emplace_back(host);
    }
  }
  ::freeaddrinfo(found);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

std::vector<std::string> nodes_from_addresses(const std::string& basename, const std::vector<std::string>& addresses,
                                              const std::string& self) {
  std::set<std::string> nodes;
  for (const auto& address : addresses) {
    // An IPv6 link-local address carries a %zone that is no valid node host.
    if (address.empty() || address.find('%') != std::string::npos) continue;
    auto node = basename + "@" + address;
    if (node != self) nodes.insert(std::move(node));
  }
  return {nodes.begin(), nodes.end()};
}

DnsPoller::DnsPoller(std::string query, std::string basename, std::string self, std::chrono::milliseconds interval,
                     Callbacks callbacks, Resolver resolver)
    : query_(std::move(query)),
      basename_(std::move(basename)),
      self_(std::move(self)),
      interval_(std::max(interval, std::chrono::milliseconds(1))),
      callbacks_(std::move(callbacks)),
      resolver_(std::move(resolver)) {}

DnsPoller::~DnsPoller() { stop(); }

void DnsPoller::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void DnsPoller::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> DnsPoller::poll_once() {
  auto found = nodes_from_addresses(basename_, resolver_(query_), self_);
  std::set<std::string> next(found.begin(), found.end());
  if (next.empty() && current_.empty()) {
    spdlog::debug("cluster: DNS query {} found no other node", query_);
  }
  for (const auto& node : next) {
    if (!current_.count(node)) {
      spdlog::info("cluster: DNS query {} found node :\"{}\"", query_, node);
      if (callbacks_.appeared) callbacks_.appeared(node);
    }
  }
  for (const auto& node : current_) {
    if (!next.count(node)) {
      spdlog::info("cluster: node :\"{}\" is no longer in DNS query {}", node, query_);
      if (callbacks_.vanished) callbacks_.vanished(node);
    }
  }
  current_ = std::move(next);
  return found;
}

void DnsPoller::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    try {
      poll_once();
    } catch (const std::exception& e) {
      spdlog::error("cluster: DNS discovery failed: {}", e.what());
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace shoal::cluster
