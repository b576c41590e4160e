#pragma once
// The port of the single host candidate the server announces. As in the original, nothing
// listens on it: it is the key by which data the browser relays "to" it reaches this peer, so
// it only has to be unique on the node.
#include <cstdint>
#include <optional>

namespace shoal::webrtc {

class CandidatePort {
 public:
  // A free number in 40000..65535, or nullopt when all are taken.
  static std::optional<CandidatePort> reserve();
  CandidatePort(CandidatePort&& other) noexcept : port_(other.port_) { other.port_ = 0; }
  CandidatePort& operator=(CandidatePort&&) = delete;
  ~CandidatePort();
  std::uint16_t port() const { return port_; }

 private:
  explicit CandidatePort(std::uint16_t port) : port_(port) {}
  std::uint16_t port_;
};

}  // namespace shoal::webrtc
