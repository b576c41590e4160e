#include "rtc/srtp/srtp_key_derivation.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace shoal::rtc::srtp {
namespace {

// RFC 3711 §4.3.2 labels.
enum Label : std::uint8_t {
  kRtpCipher = 0,
  kRtpAuth = 1,
  kRtpSalt = 2,
  kRtcpCipher = 3,
  kRtcpAuth = 4,
  kRtcpSalt = 5,
};

// The AES-CM PRF: keystream of the master key from x = (label << 48) XOR master salt, shifted left by 16.
bool generate(AesCounterMode& prf, const std::array<std::uint8_t, kMaxSaltLength>& master_salt, Label label,
              std::span<std::uint8_t> out) {
  std::array<std::uint8_t, kCounterBlockLength> iv{};
  std::copy(master_salt.begin(), master_salt.end(), iv.begin());
  iv[7] ^= label;
  std::fill(out.begin(), out.end(), 0);
  return prf.apply(iv, out);
}

bool derive(AesCounterMode& prf, const std::array<std::uint8_t, kMaxSaltLength>& master_salt, Label cipher,
            Label auth, Label salt, std::size_t salt_length, SessionKeys& keys) {
  return generate(prf, master_salt, cipher, keys.cipher_key) && generate(prf, master_salt, auth, keys.auth_key) &&
         generate(prf, master_salt, salt, std::span(keys.salt).first(salt_length));
}

}  // namespace

std::optional<DerivedKeys> derive_session_keys(SrtpProfile profile, std::span<const std::uint8_t> key_salt) {
  if (key_salt.size() != master_key_salt_length(profile)) return std::nullopt;
  AesKey master_key{};
  std::array<std::uint8_t, kMaxSaltLength> master_salt{};
  std::copy_n(key_salt.begin(), master_key_length(profile), master_key.begin());
  std::copy(key_salt.begin() + static_cast<std::ptrdiff_t>(master_key_length(profile)), key_salt.end(),
            master_salt.begin());
  std::optional<AesCounterMode> prf = AesCounterMode::create(master_key);
  OPENSSL_cleanse(master_key.data(), master_key.size());
  if (!prf) return std::nullopt;

  DerivedKeys keys;
  const std::size_t salt_length = master_salt_length(profile);
  bool ok = derive(*prf, master_salt, kRtpCipher, kRtpAuth, kRtpSalt, salt_length, keys.rtp) &&
            derive(*prf, master_salt, kRtcpCipher, kRtcpAuth, kRtcpSalt, salt_length, keys.rtcp);
  OPENSSL_cleanse(master_salt.data(), master_salt.size());
  if (!ok) return std::nullopt;
  return keys;
}

}  // namespace shoal::rtc::srtp
