#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

struct evp_cipher_ctx_st;
struct evp_mac_ctx_st;

namespace shoal::rtc::srtp {

// The three OpenSSL primitives SRTP is built from, each holding its key in a context made once per
// session, so a packet costs one IV set and one pass over its bytes. None allocates per call.

struct CipherContextDeleter {
  void operator()(evp_cipher_ctx_st* context) const;
};
struct MacContextDeleter {
  void operator()(evp_mac_ctx_st* context) const;
};

inline constexpr std::size_t kAesKeyLength = 16;
inline constexpr std::size_t kCounterBlockLength = 16;
inline constexpr std::size_t kGcmIvLength = 12;
inline constexpr std::size_t kGcmTagLength = 16;
inline constexpr std::size_t kSha1Length = 20;

using AesKey = std::array<std::uint8_t, kAesKeyLength>;

// AES-128 in counter mode; the IV is the first 128-bit counter block (RFC 3711 §4.1.1).
class AesCounterMode {
 public:
  static std::optional<AesCounterMode> create(const AesKey& key);
  // XORs the keystream into `data` in place.
  bool apply(const std::array<std::uint8_t, kCounterBlockLength>& iv, std::span<std::uint8_t> data);

 private:
  explicit AesCounterMode(evp_cipher_ctx_st* context) : context_(context) {}
  std::unique_ptr<evp_cipher_ctx_st, CipherContextDeleter> context_;
};

// AES-128-GCM with a 96-bit IV and a 128-bit tag (RFC 7714). The additional authenticated data
// comes in two parts because SRTCP authenticates a word that sits after the ciphertext.
class AesGcm {
 public:
  static std::optional<AesGcm> create(const AesKey& key);
  using Iv = std::array<std::uint8_t, kGcmIvLength>;
  bool seal(const Iv& iv, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> aad_tail,
            std::span<std::uint8_t> data, std::span<std::uint8_t, kGcmTagLength> tag);
  // Decrypts `data` in place; false if the tag does not match (then `data` holds garbage).
  bool open(const Iv& iv, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> aad_tail,
            std::span<std::uint8_t> data, std::span<const std::uint8_t, kGcmTagLength> tag);

 private:
  explicit AesGcm(evp_cipher_ctx_st* encrypt, evp_cipher_ctx_st* decrypt) : encrypt_(encrypt), decrypt_(decrypt) {}
  std::unique_ptr<evp_cipher_ctx_st, CipherContextDeleter> encrypt_;
  std::unique_ptr<evp_cipher_ctx_st, CipherContextDeleter> decrypt_;
};

// HMAC-SHA1 over two parts (SRTP appends the rollover counter to the packet it authenticates).
class HmacSha1 {
 public:
  static std::optional<HmacSha1> create(std::span<const std::uint8_t> key);
  bool sign(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
            std::array<std::uint8_t, kSha1Length>& digest);

 private:
  explicit HmacSha1(evp_mac_ctx_st* context) : context_(context) {}
  std::unique_ptr<evp_mac_ctx_st, MacContextDeleter> context_;
};

// Constant-time comparison, so a forger learns nothing from how long a wrong tag took to refuse.
bool tags_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace shoal::rtc::srtp
