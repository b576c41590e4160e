#include "webrtc/udp_send_batch.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

namespace shoal::webrtc {

namespace {

struct Entry {
  int fd;
  boost::asio::ip::udp::endpoint to;
  std::uint32_t offset;
  std::uint32_t length;
  UdpSendCounters counters;
};

// Trivially destructible, so it can still be read after the batch itself is gone: a transport
// destroyed during thread (or process) teardown must not touch a destroyed thread_local.
thread_local bool t_batch_gone = false;

struct ThreadBatch {
  ~ThreadBatch() { t_batch_gone = true; }
  int depth = 0;
  // Not a vector: growing one zero-fills, and slots are written by their users anyway.
  std::unique_ptr<std::uint8_t[]> bytes;
  std::size_t used = 0;
  std::vector<Entry> entries;
  std::vector<std::uint32_t> order;

  void ensure_storage() {
    if (bytes) return;
    bytes.reset(new std::uint8_t[UdpSendBatch::kCapacityBytes]);
    entries.reserve(1024);
    order.reserve(1024);
  }
};

ThreadBatch& batch() {
  thread_local ThreadBatch instance;
  return instance;
}

constexpr std::size_t kMaxPerCall = 64;

void send_group(std::span<const Entry*> group, ThreadBatch& state) {
  // Left uninitialised on purpose: only the first `count` entries are filled and used, and
  // zeroing 5 kB per call would cost more than a small burst's sends.
  std::array<mmsghdr, kMaxPerCall> messages;
  std::array<iovec, kMaxPerCall> vectors;
  std::size_t done = 0;
  while (done < group.size()) {
    const std::size_t count = std::min(kMaxPerCall, group.size() - done);
    for (std::size_t i = 0; i < count; ++i) {
      const Entry& entry = *group[done + i];
      vectors[i] = iovec{state.bytes.get() + entry.offset, entry.length};
      messages[i] = mmsghdr{};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = const_cast<sockaddr*>(entry.to.data());
      messages[i].msg_hdr.msg_namelen = static_cast<socklen_t>(entry.to.size());
    }
    const int sent = ::sendmmsg(group[done]->fd, messages.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
    if (sent <= 0) {
      ++done;  // as a failed sendto: this datagram is dropped (full buffer), the rest is tried
      continue;
    }
    for (int i = 0; i < sent; ++i) {
      const Entry& entry = *group[done + static_cast<std::size_t>(i)];
      if (entry.counters.bytes) *entry.counters.bytes += entry.length;
      if (entry.counters.packets) ++*entry.counters.packets;
    }
    done += static_cast<std::size_t>(sent);
  }
}

}  // namespace

UdpSendBatch::Scope::Scope() {
  if (!t_batch_gone) ++batch().depth;
}

UdpSendBatch::Scope::~Scope() {
  if (!t_batch_gone && --batch().depth == 0) flush();
}

bool UdpSendBatch::queue(int fd, const boost::asio::ip::udp::endpoint& to, std::span<const std::uint8_t> bytes,
                         UdpSendCounters counters) {
  return queue(fd, to, {}, bytes, counters);
}

bool UdpSendBatch::queue(int fd, const boost::asio::ip::udp::endpoint& to, std::span<const std::uint8_t> header,
                         std::span<const std::uint8_t> payload, UdpSendCounters counters) {
  if (t_batch_gone) return false;
  ThreadBatch& state = batch();
  const std::size_t length = header.size() + payload.size();
  if (state.depth == 0 || length > kMaxDatagram) return false;
  state.ensure_storage();
  if (state.used + length > kCapacityBytes) flush();
  const auto offset = static_cast<std::uint32_t>(state.used);
  if (!header.empty()) std::memcpy(state.bytes.get() + offset, header.data(), header.size());
  if (!payload.empty()) std::memcpy(state.bytes.get() + offset + header.size(), payload.data(), payload.size());
  state.used += length;
  state.entries.push_back(Entry{fd, to, offset, static_cast<std::uint32_t>(length), counters});
  return true;
}

std::span<std::uint8_t> UdpSendBatch::slot() {
  if (t_batch_gone) return {};
  ThreadBatch& state = batch();
  if (state.depth == 0) return {};
  state.ensure_storage();
  if (state.used + kMaxDatagram > kCapacityBytes) flush();
  return {state.bytes.get() + state.used, kMaxDatagram};
}

bool UdpSendBatch::commit_slot(std::span<const std::uint8_t> datagram, int fd, const boost::asio::ip::udp::endpoint& to,
                               UdpSendCounters counters) {
  if (t_batch_gone) return false;
  ThreadBatch& state = batch();
  if (state.depth == 0 || !state.bytes || datagram.data() != state.bytes.get() + state.used ||
      datagram.size() > kMaxDatagram) {
    return false;
  }
  state.entries.push_back(Entry{fd, to, static_cast<std::uint32_t>(state.used), static_cast<std::uint32_t>(datagram.size()),
                                counters});
  state.used += datagram.size();
  return true;
}

void UdpSendBatch::forget(int fd) {
  if (t_batch_gone) return;
  for (auto& entry : batch().entries) {
    if (entry.fd == fd) entry.fd = -1;
  }
}

void UdpSendBatch::flush() {
  if (t_batch_gone) return;
  ThreadBatch& state = batch();
  if (state.entries.empty()) return;
  // Group by socket, keeping each socket's datagrams in the order they were sent.
  state.order.resize(state.entries.size());
  std::iota(state.order.begin(), state.order.end(), 0u);
  std::stable_sort(state.order.begin(), state.order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return state.entries[a].fd < state.entries[b].fd; });
  std::array<const Entry*, 1024> group;  // filled before use
  std::size_t start = 0;
  while (start < state.order.size()) {
    const int fd = state.entries[state.order[start]].fd;
    std::size_t end = start;
    while (end < state.order.size() && state.entries[state.order[end]].fd == fd) ++end;
    if (fd >= 0) {
      for (std::size_t from = start; from < end; from += group.size()) {
        const std::size_t count = std::min(group.size(), end - from);
        for (std::size_t i = 0; i < count; ++i) group[i] = &state.entries[state.order[from + i]];
        send_group(std::span(group.data(), count), state);
      }
    }
    start = end;
  }
  state.entries.clear();
  state.used = 0;
}

}  // namespace shoal::webrtc
