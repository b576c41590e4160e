#pragma once

#include "rtc/dtls/openssl_handles.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::dtls {

// The self-signed ECDSA P-256 identity the server presents in DTLS; browsers pin it through the SDP
// a=fingerprint, so it needs no CA. Immutable after creation and shared by every transport.
class DtlsCertificate {
 public:
  // A fresh key and certificate (CN "shoal", valid from 1 day ago for 30 days, random serial).
  // nullptr if OpenSSL fails.
  static std::shared_ptr<const DtlsCertificate> generate();

  // The process-wide certificate, generated on first use (thread-safe). nullptr if generation failed.
  static std::shared_ptr<const DtlsCertificate> process_certificate();

  // SHA-256 fingerprint as uppercase colon-separated hex ("AB:CD:..."), the a=fingerprint:sha-256 value.
  const std::string& fingerprint() const { return fingerprint_; }
  static constexpr std::string_view fingerprint_algorithm() { return "sha-256"; }

  X509* certificate() const { return certificate_.get(); }
  EVP_PKEY* private_key() const { return key_.get(); }

  // Digest of a DER certificate with the SDP hash name ("sha-256", "sha-1", ...); nullopt if unknown name.
  static std::optional<std::vector<std::uint8_t>> digest(X509* certificate, std::string_view algorithm);
  static std::string format_fingerprint(std::span<const std::uint8_t> digest);
  // Inverse of format_fingerprint, case-insensitive; nullopt if not colon-separated hex byte pairs.
  static std::optional<std::vector<std::uint8_t>> parse_fingerprint(std::string_view text);

  DtlsCertificate(EvpPkeyPtr key, X509Ptr certificate, std::string fingerprint)
      : key_(std::move(key)), certificate_(std::move(certificate)), fingerprint_(std::move(fingerprint)) {}

 private:
  EvpPkeyPtr key_;
  X509Ptr certificate_;
  std::string fingerprint_;
};

}  // namespace shoal::rtc::dtls
