#include "dtls_client.hpp"

#include <openssl/err.h>
#include <openssl/srtp.h>

namespace shoal::bench {

namespace {
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";
// Chrome's order: GCM first.
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
// The server pins our certificate through the SDP fingerprint; we trust its answer's the same
// way a browser would, so chain validation is off.
int accept_any(int, X509_STORE_CTX*) { return 1; }
}  // namespace

core::Result<void, std::string> DtlsClient::start(std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate) {
  certificate_ = std::move(certificate);
  context_.reset(SSL_CTX_new(DTLS_client_method()));
  SSL_CTX* ctx = context_.get();
  const bool ok = ctx && SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
                  SSL_CTX_use_certificate(ctx, certificate_->certificate()) == 1 &&
                  SSL_CTX_use_PrivateKey(ctx, certificate_->private_key()) == 1 &&
                  SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) == 0;
  if (!ok) return "DTLS client context set-up failed";
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &accept_any);
  ssl_.reset(SSL_new(ctx));
  BIO* bio = ssl_ ? rtc::dtls::DatagramBio::create(bio_) : nullptr;
  if (bio == nullptr) return "DTLS client session set-up failed";
  SSL_set_bio(ssl_.get(), bio, bio);
  SSL_set_connect_state(ssl_.get());
  SSL_set_mtu(ssl_.get(), 1200);
  drive();  // ClientHello
  return {};
}

void DtlsClient::handle_datagram(std::span<const std::uint8_t> datagram) {
  if (!ssl_ || failed_) return;
  bio_.set_inbound(datagram);
  if (connected()) {
    // Post-handshake records (alerts, retransmitted Finished): read and discard.
    std::uint8_t sink[2048];
    SSL_read(ssl_.get(), sink, sizeof sink);
  } else {
    drive();
  }
  bio_.clear_inbound();
}

void DtlsClient::on_tick() {
  if (!ssl_ || connected() || failed_) return;
  DTLSv1_handle_timeout(ssl_.get());
}

void DtlsClient::drive() {
  const int result = SSL_do_handshake(ssl_.get());
  if (result == 1) {
    finish();
    return;
  }
  const int code = SSL_get_error(ssl_.get(), result);
  if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) failed_ = true;
  ERR_clear_error();
}

void DtlsClient::finish() {
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_.get());
  if (selected == nullptr) {
    failed_ = true;
    return;
  }
  rtc::dtls::SrtpKeyMaterial keys;
  keys.profile = selected->id == SRTP_AEAD_AES_128_GCM ? rtc::srtp::SrtpProfile::AeadAes128Gcm
                                                       : rtc::srtp::SrtpProfile::Aes128CmSha1_80;
  const std::size_t key = rtc::srtp::master_key_length(keys.profile);
  const std::size_t salt = rtc::srtp::master_salt_length(keys.profile);
  std::vector<std::uint8_t> material(2 * (key + salt));
  if (SSL_export_keying_material(ssl_.get(), material.data(), material.size(), kExporterLabel,
                                 sizeof(kExporterLabel) - 1, nullptr, 0, 0) != 1) {
    failed_ = true;
    return;
  }
  // RFC 5764 4.2: client key | server key | client salt | server salt; we are the client.
  auto append = [&](std::vector<std::uint8_t>& out, std::size_t offset, std::size_t length) {
    out.insert(out.end(), material.begin() + static_cast<std::ptrdiff_t>(offset),
               material.begin() + static_cast<std::ptrdiff_t>(offset + length));
  };
  append(keys.local_key_salt, 0, key);
  append(keys.remote_key_salt, key, key);
  append(keys.local_key_salt, 2 * key, salt);
  append(keys.remote_key_salt, 2 * key + salt, salt);
  keys_ = std::move(keys);
}

}  // namespace shoal::bench
