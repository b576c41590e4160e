#pragma once

#include "rtc/srtp/srtp_profile.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

struct srtp_ctx_t_;

namespace shoal::test {

// libsrtp2, the reference implementation of SRTP, behind the same calls as shoal's SrtpSession. The
// server does not use it; tests compare shoal's SRTP with it byte for byte and the benchmarks time both.
class LibsrtpSession {
 public:
  enum class Direction { Inbound, Outbound };

  static std::optional<LibsrtpSession> create(Direction direction, rtc::srtp::SrtpProfile profile,
                                              std::span<const std::uint8_t> key_salt);

  std::optional<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t length);

 private:
  struct ContextDeleter {
    void operator()(srtp_ctx_t_* context) const;
  };
  explicit LibsrtpSession(srtp_ctx_t_* context) : context_(context) {}
  std::unique_ptr<srtp_ctx_t_, ContextDeleter> context_;
};

}  // namespace shoal::test
