#include "webrtc/candidate_ports.hpp"

#include <openssl/rand.h>

#include <bitset>
#include <mutex>

namespace shoal::webrtc {

namespace {

constexpr std::uint32_t kFirst = 40000;
constexpr std::uint32_t kCount = 65536 - kFirst;

// Touched only when peers start or stop negotiating, never per packet.
std::mutex registry_mutex;
std::bitset<kCount> taken;

}  // namespace

std::optional<CandidatePort> CandidatePort::reserve() {
  std::uint32_t start = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&start), sizeof start);
  std::lock_guard lock(registry_mutex);
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const std::uint32_t index = (start + i) % kCount;
    if (!taken[index]) {
      taken[index] = true;
      return CandidatePort(static_cast<std::uint16_t>(kFirst + index));
    }
  }
  return std::nullopt;
}

CandidatePort::~CandidatePort() {
  if (port_ == 0) return;
  std::lock_guard lock(registry_mutex);
  taken[port_ - kFirst] = false;
}

}  // namespace shoal::webrtc
