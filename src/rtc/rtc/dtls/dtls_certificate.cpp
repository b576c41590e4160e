#include "rtc/dtls/dtls_certificate.hpp"

#include <openssl/rand.h>

#include <array>
#include <mutex>

namespace shoal::rtc::dtls {
namespace {

constexpr long kOneDay = 24L * 60 * 60;
// Backdated a day so peers with a slightly wrong clock still accept it.
constexpr long kNotBeforeOffset = -kOneDay;
constexpr long kNotAfterOffset = 30 * kOneDay;

const EVP_MD* digest_by_sdp_name(std::string_view name) {
  // RFC 8122 hash names; WebRTC uses sha-256 but sha-1/384/512 are legal in a=fingerprint.
  if (name == "sha-256" || name == "SHA-256") return EVP_sha256();
  if (name == "sha-1" || name == "SHA-1") return EVP_sha1();
  if (name == "sha-224" || name == "SHA-224") return EVP_sha224();
  if (name == "sha-384" || name == "SHA-384") return EVP_sha384();
  if (name == "sha-512" || name == "SHA-512") return EVP_sha512();
  return nullptr;
}

bool set_random_serial(X509* certificate) {
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return false;
  bytes[0] &= 0x7F;  // serials must be positive
  bytes[0] |= 0x01;  // and non-zero
  BignumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!number) return false;
  return BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) != nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::shared_ptr<const DtlsCertificate> DtlsCertificate::generate() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr certificate(X509_new());
  if (!key || !certificate) return nullptr;

  bool ok = X509_set_version(certificate.get(), X509_VERSION_3) == 1 && set_random_serial(certificate.get()) &&
            X509_gmtime_adj(X509_getm_notBefore(certificate.get()), kNotBeforeOffset) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kNotAfterOffset) != nullptr &&
            X509_set_pubkey(certificate.get(), key.get()) == 1;
  if (!ok) return nullptr;

  X509NamePtr name(X509_NAME_new());
  if (!name) return nullptr;
  const auto* common_name = reinterpret_cast<const unsigned char*>("shoal");
  if (X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC, common_name, -1, -1, 0) != 1 ||
      X509_set_subject_name(certificate.get(), name.get()) != 1 ||
      X509_set_issuer_name(certificate.get(), name.get()) != 1) {
    return nullptr;
  }
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0) return nullptr;

  auto sha256 = digest(certificate.get(), "sha-256");
  if (!sha256) return nullptr;
  return std::make_shared<const DtlsCertificate>(std::move(key), std::move(certificate),
                                                 format_fingerprint(*sha256));
}

std::shared_ptr<const DtlsCertificate> DtlsCertificate::process_certificate() {
  static std::once_flag once;
  static std::shared_ptr<const DtlsCertificate> certificate;
  std::call_once(once, [] { certificate = generate(); });
  return certificate;
}

std::optional<std::vector<std::uint8_t>> DtlsCertificate::digest(X509* certificate, std::string_view algorithm) {
  const EVP_MD* md = digest_by_sdp_name(algorithm);
  if (!md || !certificate) return std::nullopt;
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (X509_digest(certificate, md, out.data(), &length) != 1) return std::nullopt;
  out.resize(length);
  return out;
}

std::string DtlsCertificate::format_fingerprint(std::span<const std::uint8_t> digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string text;
  text.reserve(digest.size() * 3);
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i != 0) text.push_back(':');
    text.push_back(kHex[digest[i] >> 4]);
    text.push_back(kHex[digest[i] & 0x0F]);
  }
  return text;
}

std::optional<std::vector<std::uint8_t>> DtlsCertificate::parse_fingerprint(std::string_view text) {
  // "XX" then ":XX" repeated: 3n-1 characters.
  if (text.size() < 2 || (text.size() + 1) % 3 != 0) return std::nullopt;
  std::vector<std::uint8_t> bytes;
  bytes.reserve((text.size() + 1) / 3);
  for (std::size_t i = 0; i < text.size(); i += 3) {
    int high = hex_value(text[i]);
    int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    if (i + 2 < text.size() && text[i + 2] != ':') return std::nullopt;
    bytes.push_back(static_cast<std::uint8_t>((high << 4) | low));
  }
  return bytes;
}

}  // namespace shoal::rtc::dtls
