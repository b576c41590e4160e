#include "rtc/srtp/srtp_ciphers.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <climits>

namespace shoal::rtc::srtp {
namespace {

bool fits_int(std::size_t length) { return length <= static_cast<std::size_t>(INT_MAX); }

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

CipherContext new_context(const EVP_CIPHER* cipher, const AesKey& key, bool encrypt) {
  CipherContext context(EVP_CIPHER_CTX_new());
  if (!context) return nullptr;
  if (EVP_CipherInit_ex(context.get(), cipher, nullptr, key.data(), nullptr, encrypt ? 1 : 0) != 1) return nullptr;
  return context;
}

// Feeds the AAD parts and transforms `data` in place; shared by seal and open.
bool gcm_update(EVP_CIPHER_CTX* context, const AesGcm::Iv& iv, std::span<const std::uint8_t> aad,
                std::span<const std::uint8_t> aad_tail, std::span<std::uint8_t> data) {
  if (!fits_int(aad.size()) || !fits_int(aad_tail.size()) || !fits_int(data.size())) return false;
  int out = 0;
  if (EVP_CipherInit_ex(context, nullptr, nullptr, nullptr, iv.data(), -1) != 1) return false;
  if (!aad.empty() && EVP_CipherUpdate(context, nullptr, &out, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!aad_tail.empty() &&
      EVP_CipherUpdate(context, nullptr, &out, aad_tail.data(), static_cast<int>(aad_tail.size())) != 1) {
    return false;
  }
  if (!data.empty() &&
      EVP_CipherUpdate(context, data.data(), &out, data.data(), static_cast<int>(data.size())) != 1) {
    return false;
  }
  return true;
}

}  // namespace

void CipherContextDeleter::operator()(evp_cipher_ctx_st* context) const { EVP_CIPHER_CTX_free(context); }
void MacContextDeleter::operator()(evp_mac_ctx_st* context) const { EVP_MAC_CTX_free(context); }

std::optional<AesCounterMode> AesCounterMode::create(const AesKey& key) {
  CipherContext context = new_context(EVP_aes_128_ctr(), key, true);
  if (!context) return std::nullopt;
  return AesCounterMode(context.release());
}

bool AesCounterMode::apply(const std::array<std::uint8_t, kCounterBlockLength>& iv, std::span<std::uint8_t> data) {
  if (!fits_int(data.size())) return false;
  if (EVP_EncryptInit_ex(context_.get(), nullptr, nullptr, nullptr, iv.data()) != 1) return false;
  if (data.empty()) return true;
  int out = 0;
  return EVP_EncryptUpdate(context_.get(), data.data(), &out, data.data(), static_cast<int>(data.size())) == 1;
}

std::optional<AesGcm> AesGcm::create(const AesKey& key) {
  CipherContext encrypt = new_context(EVP_aes_128_gcm(), key, true);
  CipherContext decrypt = new_context(EVP_aes_128_gcm(), key, false);
  if (!encrypt || !decrypt) return std::nullopt;
  return AesGcm(encrypt.release(), decrypt.release());
}

bool AesGcm::seal(const Iv& iv, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> aad_tail,
                  std::span<std::uint8_t> data, std::span<std::uint8_t, kGcmTagLength> tag) {
  if (!gcm_update(encrypt_.get(), iv, aad, aad_tail, data)) return false;
  int out = 0;
  // GCM is a stream mode: Final writes nothing, it only completes the tag.
  if (EVP_EncryptFinal_ex(encrypt_.get(), tag.data(), &out) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(encrypt_.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagLength, tag.data()) == 1;
}

bool AesGcm::open(const Iv& iv, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> aad_tail,
                  std::span<std::uint8_t> data, std::span<const std::uint8_t, kGcmTagLength> tag) {
  if (!gcm_update(decrypt_.get(), iv, aad, aad_tail, data)) return false;
  std::array<std::uint8_t, kGcmTagLength> expected{};
  std::copy(tag.begin(), tag.end(), expected.begin());
  if (EVP_CIPHER_CTX_ctrl(decrypt_.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagLength, expected.data()) != 1) return false;
  int out = 0;
  std::array<std::uint8_t, kGcmTagLength> unused{};
  return EVP_DecryptFinal_ex(decrypt_.get(), unused.data(), &out) == 1;
}

std::optional<HmacSha1> HmacSha1::create(std::span<const std::uint8_t> key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (!mac) return std::nullopt;
  // The context keeps its own reference to the algorithm.
  std::unique_ptr<EVP_MAC_CTX, MacContextDeleter> context(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);
  if (!context) return std::nullopt;
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(context.get(), key.data(), key.size(), params) != 1) return std::nullopt;
  return HmacSha1(context.release());
}

bool HmacSha1::sign(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                    std::array<std::uint8_t, kSha1Length>& digest) {
  // A null key restarts from the key already set, without hashing it again.
  if (EVP_MAC_init(context_.get(), nullptr, 0, nullptr) != 1) return false;
  if (EVP_MAC_update(context_.get(), first.data(), first.size()) != 1) return false;
  if (EVP_MAC_update(context_.get(), second.data(), second.size()) != 1) return false;
  std::size_t length = 0;
  return EVP_MAC_final(context_.get(), digest.data(), &length, digest.size()) == 1 && length == digest.size();
}

bool tags_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace shoal::rtc::srtp
