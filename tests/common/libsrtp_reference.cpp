#include "libsrtp_reference.hpp"

#include <srtp2/srtp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <mutex>

namespace shoal::test {
namespace {

using rtc::srtp::SrtpProfile;

bool initialise_once() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = srtp_init() == srtp_err_status_ok; });
  return ok;
}

// libsrtp reads the header fields itself; keep hostile lengths away from its pointer arithmetic.
bool plausible(std::span<const std::uint8_t> buffer, std::size_t length, std::size_t minimum) {
  return length <= buffer.size() && length <= INT_MAX / 2 && length >= minimum && (buffer[0] >> 6) == 2;
}

// Takes the length by pointer: it must be read after the call that updates it.
std::optional<std::size_t> result(srtp_err_status_t status, const int* length) {
  if (status != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(*length);
}

}  // namespace

void LibsrtpSession::ContextDeleter::operator()(srtp_ctx_t_* context) const { srtp_dealloc(context); }

std::optional<LibsrtpSession> LibsrtpSession::create(Direction direction, SrtpProfile profile,
                                                     std::span<const std::uint8_t> key_salt) {
  if (key_salt.size() != rtc::srtp::master_key_salt_length(profile) || !initialise_once()) return std::nullopt;
  srtp_policy_t policy{};
  if (profile == SrtpProfile::AeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  std::array<unsigned char, SRTP_MAX_KEY_LEN> key{};
  std::copy(key_salt.begin(), key_salt.end(), key.begin());
  policy.key = key.data();
  policy.ssrc.type = direction == Direction::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.window_size = 1024;
  policy.allow_repeat_tx = direction == Direction::Outbound ? 1 : 0;
  srtp_t context = nullptr;
  if (srtp_create(&context, &policy) != srtp_err_status_ok) {
    if (context) srtp_dealloc(context);
    return std::nullopt;
  }
  return LibsrtpSession(context);
}

std::optional<std::size_t> LibsrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (!plausible(buffer, length, 12) || buffer.size() - length < rtc::srtp::kMaxTrailerLength) return std::nullopt;
  int len = static_cast<int>(length);
  return result(srtp_protect(context_.get(), buffer.data(), &len), &len);
}

std::optional<std::size_t> LibsrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (!plausible(buffer, length, 8) || buffer.size() - length < rtc::srtp::kMaxTrailerLength) return std::nullopt;
  int len = static_cast<int>(length);
  return result(srtp_protect_rtcp(context_.get(), buffer.data(), &len), &len);
}

std::optional<std::size_t> LibsrtpSession::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (!plausible(buffer, length, 12)) return std::nullopt;
  int len = static_cast<int>(length);
  return result(srtp_unprotect(context_.get(), buffer.data(), &len), &len);
}

std::optional<std::size_t> LibsrtpSession::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (!plausible(buffer, length, 8)) return std::nullopt;
  int len = static_cast<int>(length);
  return result(srtp_unprotect_rtcp(context_.get(), buffer.data(), &len), &len);
}

}  // namespace shoal::test
