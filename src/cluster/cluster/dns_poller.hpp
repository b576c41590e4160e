#pragma once
// DNS discovery (JF_DIST_STRATEGY_NAME=DNS, as later Jellyfish versions and libcluster's
// DNSPoll do it): every polling interval the query name is resolved, and each address A becomes
// the node `<own basename>@A`, which the cluster then connects to. Nodes that disappear from DNS
// are not dropped here: a live connection stays until the distribution notices the node is gone,
// and a node that is gone is no longer retried once it has vanished from DNS (forget).
//
// The poller owns one thread; resolving blocks (getaddrinfo), so stop() waits at most for one
// resolution in progress. Resolver and callbacks are injectable for tests.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace shoal::cluster {

// Numeric addresses a host name resolves to (getaddrinfo, IPv4 and IPv6), sorted, unique.
// Empty when it does not resolve.
std::vector<std::string> resolve_host(const std::string& name);

// "<basename>@<address>" for each address, without `self`; sorted, unique.
std::vector<std::string> nodes_from_addresses(const std::string& basename, const std::vector<std::string>& addresses,
                                              const std::string& self);

class DnsPoller {
 public:
  using Resolver = std::function<std::vector<std::string>(const std::string& query)>;
  using NodeCallback = std::function<void(const std::string& node)>;

  struct Callbacks {
    NodeCallback appeared;  // a node newly seen in DNS (connect to it)
    NodeCallback vanished;  // a node no longer in DNS (stop retrying it unless connected)
  };

  DnsPoller(std::string query, std::string basename, std::string self, std::chrono::milliseconds interval,
            Callbacks callbacks, Resolver resolver = resolve_host);
  ~DnsPoller();  // stop()
  DnsPoller(const DnsPoller&) = delete;
  DnsPoller& operator=(const DnsPoller&) = delete;

  void start();  // polls once at once, then every interval
  void stop();   // idempotent

  // One resolution: reports appeared/vanished nodes and returns the current set.
  std::vector<std::string> poll_once();

 private:
  void run();

  const std::string query_;
  const std::string basename_;
  const std::string self_;
  const std::chrono::milliseconds interval_;
  Callbacks callbacks_;
  Resolver resolver_;
  std::set<std::string> current_;  // touched only by poll_once (poller thread or a test)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace shoal::cluster
