#include "dns_responder.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <sstream>

namespace shoal::test {

std::string first_ipv4_nameserver() {
  std::ifstream resolv("/etc/resolv.conf");
  std::string line;
  while (std::getline(resolv, line)) {
    std::istringstream words(line);
    std::string key;
    std::string value;
    in_addr address{};
    if (words >> key >> value && key == "nameserver" && inet_pton(AF_INET, value.c_str(), &address) == 1) return value;
  }
  return {};
}

DnsResponder::DnsResponder(std::string ns, std::string listen_ip, Answers answers, std::set<std::string> silent)
    : answers_(std::move(answers)), silent_(std::move(silent)) {
  std::promise<bool> bound;
  auto ready = bound.get_future();
  thread_ = std::thread([this, ns = std::move(ns), listen_ip = std::move(listen_ip), &bound] {
    int nsfd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    int fd = nsfd >= 0 && ::setns(nsfd, CLONE_NEWNET) == 0 ? ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
    if (nsfd >= 0) ::close(nsfd);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(53);
    inet_pton(AF_INET, listen_ip.c_str(), &local.sin_addr);
    bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0;
    bound.set_value(ok);
    while (ok && !stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      unsigned char query[512];
      sockaddr_in from{};
      socklen_t from_len = sizeof(from);
      auto n = ::recvfrom(fd, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n <= 12) continue;
      auto answer = respond(query, static_cast<std::size_t>(n));
      if (!answer.empty()) ::sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
    if (fd >= 0) ::close(fd);
  });
  bound_ = ready.get();
}

DnsResponder::~DnsResponder() {
  stop_ = true;
  thread_.join();
}

std::vector<unsigned char> DnsResponder::respond(const unsigned char* q, std::size_t size) {
  // Header (12 bytes), one question: labels, type, class.
  std::size_t pos = 12;
  std::string name;
  while (pos < size && q[pos] != 0) {
    std::size_t len = q[pos];
    if (len > 63 || pos + 1 + len >= size) return {};
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(q + pos + 1), len);
    pos += 1 + len;
  }
  if (pos + 5 > size) return {};
  ++queries_;
  if (silent_.count(name)) return {};
  const std::size_t question_end = pos + 5;
  const unsigned qtype = (q[pos + 1] << 8) | q[pos + 2];
  const auto found = answers_.find(name);
  const std::vector<std::string> none;
  const auto& addresses = qtype == 1 && found != answers_.end() ? found->second : none;
  std::vector<unsigned char> out(q, q + question_end);
  out[2] = static_cast<unsigned char>(0x80 | (q[2] & 0x01) | 0x04);  // QR, AA, RD copied
  out[3] = 0x80;                                                     // RA, NOERROR
  out[4] = 0, out[5] = 1;                                            // one question
  out[6] = 0, out[7] = static_cast<unsigned char>(addresses.size());
  out[8] = out[9] = out[10] = out[11] = 0;
  for (const auto& text : addresses) {
    in_addr address{};
    inet_pton(AF_INET, text.c_str(), &address);
    const unsigned char record[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4};  // name ptr, A, IN, TTL 1
    out.insert(out.end(), record, record + sizeof(record));
    auto* bytes = reinterpret_cast<const unsigned char*>(&address.s_addr);
    out.insert(out.end(), bytes, bytes + 4);
  }
  return out;
}

}  // namespace shoal::test
