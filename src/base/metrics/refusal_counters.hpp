#pragma once
// Node-wide counts of requests and packets refused by a resource limit (abuse or misbehaving
// clients), exported as shoal_refused_total{reason}. Written from any loop; relaxed atomics
// because only the totals matter.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal::metrics {

enum class Refusal : std::size_t {
  OversizedMetadata,     // endpoint/track metadata over the size cap
  NackRetransmission,    // a NACKed packet not resent: already resent within an RTT, or over the byte budget
  UnknownSrtpSsrc,       // SRTP from an SSRC the peer never announced, over the per-peer cap
  HttpConnection,        // an HTTP/WebSocket connection over the global or per-address cap
  TurnTcpConnection,     // a TCP TURN connection over the per-address cap, or a failed nonce check
  DistHandshake,         // a distribution connection over the handshake caps
  Count
};

constexpr std::string_view refusal_label(Refusal reason) {
  constexpr std::array<std::string_view, static_cast<std::size_t>(Refusal::Count)> labels{
      "oversized_metadata", "nack_retransmission", "unknown_srtp_ssrc",
      "http_connection",    "turn_tcp_connection", "dist_handshake"};
  return labels[static_cast<std::size_t>(reason)];
}

class RefusalCounters {
 public:
  void add(Refusal reason, std::uint64_t count = 1) {
    counts_[static_cast<std::size_t>(reason)].fetch_add(count, std::memory_order_relaxed);
  }
  std::uint64_t get(Refusal reason) const {
    return counts_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Refusal::Count)> counts_{};
};

}  // namespace shoal::metrics
