#include "rtc/stun/message_integrity.hpp"

#include "rtc/common/big_endian.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

namespace shoal::rtc::stun {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// Fetching the algorithm is expensive; the context is reused per thread so that checking a
// connectivity check does not allocate a new context each time.
EVP_MAC_CTX* hmac_context() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return nullptr;
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  return ctx.get();
}

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::optional<IntegrityTag> compute_integrity(std::span<const std::uint8_t> header, std::span<const std::uint8_t> body,
                                              std::span<const std::uint8_t> key) {
  EVP_MAC_CTX* ctx = hmac_context();
  if (ctx == nullptr) return std::nullopt;
  char digest[] = "SHA1";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  // A null key would mean "keep the previous key" to OpenSSL, so an empty key gets a real pointer.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  IntegrityTag tag{};
  std::size_t length = 0;
  if (EVP_MAC_init(ctx, key_data, key.size(), params) != 1 || EVP_MAC_update(ctx, header.data(), header.size()) != 1 ||
      EVP_MAC_update(ctx, body.data(), body.size()) != 1 || EVP_MAC_final(ctx, tag.data(), &length, tag.size()) != 1 ||
      length != tag.size()) {
    return std::nullopt;
  }
  return tag;
}

bool verify_message_integrity(const StunMessage& message, std::span<const std::uint8_t> key) {
  const auto offset = message.message_integrity_offset();
  if (!offset) return false;
  const auto bytes = message.bytes();
  std::array<std::uint8_t, kHeaderSize> header{};
  std::copy_n(bytes.begin(), header.size(), header.begin());
  const std::size_t adjusted = *offset + kAttributeHeaderSize + 20 - kHeaderSize;
  header[2] = static_cast<std::uint8_t>(adjusted >> 8);
  header[3] = static_cast<std::uint8_t>(adjusted);
  const auto tag = compute_integrity(header, bytes.subspan(kHeaderSize, *offset - kHeaderSize), key);
  if (!tag) return false;
  return CRYPTO_memcmp(tag->data(), bytes.data() + *offset + kAttributeHeaderSize, tag->size()) == 0;
}

bool verify_fingerprint(const StunMessage& message) {
  const auto offset = message.fingerprint_offset();
  if (!offset) return false;
  const auto bytes = message.bytes();
  // FINGERPRINT is last, so the header length already ends right after it.
  return (crc32(bytes.first(*offset)) ^ kFingerprintXor) == load_u32(bytes, *offset + kAttributeHeaderSize);
}

}  // namespace shoal::rtc::stun
