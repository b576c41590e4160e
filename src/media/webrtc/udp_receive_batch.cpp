#include "webrtc/udp_receive_batch.hpp"

#include <cerrno>
#include <cstring>
#include <memory>

namespace shoal::webrtc {

UdpReceiveBatch& UdpReceiveBatch::for_this_thread() {
  // 64 KiB of buffers: on the heap, made once per loop thread.
  thread_local std::unique_ptr<UdpReceiveBatch> batch(new UdpReceiveBatch());
  return *batch;
}

UdpReceiveBatch::UdpReceiveBatch() {
  for (std::size_t i = 0; i < kCapacity; ++i) {
    vectors_[i] = {buffers_[i].data(), buffers_[i].size()};
    headers_[i].msg_hdr.msg_iov = &vectors_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
    headers_[i].msg_hdr.msg_name = &senders_[i];
  }
}

UdpReceiveBatch::Read UdpReceiveBatch::receive(int fd) {
  // The kernel overwrites each sender's length with the one it wrote.
  for (auto& header : headers_) header.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  int read = -1;
  do {
    read = ::recvmmsg(fd, headers_.data(), kCapacity, MSG_DONTWAIT, nullptr);
  } while (read < 0 && errno == EINTR);
  if (read <= 0) return {};
  Read result;
  result.full = static_cast<std::size_t>(read) == kCapacity;
  for (std::size_t i = 0; i < static_cast<std::size_t>(read); ++i) {
    if (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) {
      ++result.truncated;
    } else {
      kept_[result.kept++] = i;
    }
  }
  return result;
}

std::span<std::uint8_t> UdpReceiveBatch::payload(std::size_t index) {
  const std::size_t slot = kept_[index];
  return std::span(buffers_[slot].data(), headers_[slot].msg_len);
}

boost::asio::ip::udp::endpoint UdpReceiveBatch::sender(std::size_t index) const {
  const std::size_t slot = kept_[index];
  boost::asio::ip::udp::endpoint endpoint;
  const socklen_t length = headers_[slot].msg_hdr.msg_namelen;
  if (length <= endpoint.capacity()) {
    std::memcpy(endpoint.data(), &senders_[slot], length);
    endpoint.resize(length);
  }
  return endpoint;
}

}  // namespace shoal::webrtc
