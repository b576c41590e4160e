#pragma once
// A tiny DNS server for tests that run a node in a network namespace: bound inside the
// namespace on the address /etc/resolv.conf names (first_ipv4_nameserver()), so the node's
// getaddrinfo asks it without any system file being touched. A queries for names in `answers`
// get those addresses, names in `silent` get no reply at all (a nameserver that never answers),
// anything else an empty NOERROR answer.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {

// The first IPv4 nameserver of /etc/resolv.conf, or "" when there is none.
std::string first_ipv4_nameserver();

class DnsResponder {
 public:
  using Answers = std::map<std::string, std::vector<std::string>>;
  DnsResponder(std::string ns, std::string listen_ip, Answers answers, std::set<std::string> silent = {});
  ~DnsResponder();
  DnsResponder(const DnsResponder&) = delete;
  DnsResponder& operator=(const DnsResponder&) = delete;

  bool bound() const { return bound_; }
  int queries() const { return queries_; }

 private:
  std::vector<unsigned char> respond(const unsigned char* query, std::size_t size);

  Answers answers_;
  std::set<std::string> silent_;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  bool bound_ = false;
  std::thread thread_;
};

}  // namespace shoal::test
