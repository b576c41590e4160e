#include "rtc/dtls/dtls_transport.hpp"

#include "rtc/dtls/dtls_record.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>

#include <algorithm>
#include <string>

namespace shoal::rtc::dtls {
namespace {

// Server preference order: OpenSSL picks the first of ours the client offers, so GCM wins when the browser has
// it (Chrome offers AEAD_AES_256_GCM, AEAD_AES_128_GCM, AES128_CM_SHA1_80, AES128_CM_SHA1_32).
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
constexpr const char* kCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
constexpr const char* kGroups = "X25519:P-256:P-384";
// Every record of a protected epoch carries AES-GCM's 8-byte explicit nonce and 16-byte tag (kCiphers offers
// GCM only), so a shorter one cannot be genuine. OpenSSL before 3.0.22 treats such a record as a fatal error
// of the whole association and sends the genuine peer a fatal alert: one forged datagram on the peer's path
// would end its session. They are dropped before OpenSSL sees them, whatever its patch level.
constexpr std::size_t kMinProtectedFragment = 8 + 16;
constexpr const char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

constexpr std::uint8_t kClientHelloType = 1;
constexpr std::size_t kHandshakeHeaderLength = 12;
constexpr std::size_t kClientRandomOffset = kHandshakeHeaderLength + 2;  // after client_version

// Faster first retransmission than OpenSSL's 1 s: a lost flight otherwise delays call setup noticeably.
constexpr unsigned int kInitialTimeoutUs = 400'000;
constexpr unsigned int kMaxTimeoutUs = 10'000'000;

unsigned int retransmission_timer(SSL*, unsigned int previous_us) {
  if (previous_us == 0) return kInitialTimeoutUs;
  return std::min(previous_us * 2, kMaxTimeoutUs);
}

bool starts_handshake_message(const DtlsRecord& record) {
  const auto& fragment = record.fragment;
  // fragment_offset (bytes 6..8 of the handshake header) is zero, or the header itself is cut short.
  return fragment.size() < 9 || (fragment[6] == 0 && fragment[7] == 0 && fragment[8] == 0);
}

// The client random identifies which ClientHello an SSL object answered, telling a retransmission from a
// different client (or a forgery) that must not be spliced into the current transcript.
std::optional<std::array<std::uint8_t, 32>> client_hello_random(const DtlsRecord& record) {
  if (record.plaintext_handshake_type() != kClientHelloType) return std::nullopt;
  const auto& fragment = record.fragment;
  if (fragment.size() < kClientRandomOffset + 32) return std::nullopt;
  if (!starts_handshake_message(record)) return std::nullopt;
  std::array<std::uint8_t, 32> random{};
  std::copy_n(fragment.begin() + kClientRandomOffset, random.size(), random.begin());
  return random;
}

bool long_enough_if_protected(const DtlsRecord& record) {
  return record.epoch == 0 || record.fragment.size() >= kMinProtectedFragment;
}

// Only datagrams made entirely of well-formed records, none of them a protected record too short to be one.
bool admissible(std::span<const std::uint8_t> datagram) {
  return DtlsRecord::count_records(datagram, &long_enough_if_protected).has_value();
}

std::string last_openssl_error(std::string_view prefix) {
  std::string reason(prefix);
  unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    reason += ": ";
    reason += text;
  }
  ERR_clear_error();
  return reason;
}

}  // namespace

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsCertificate> certificate, DtlsTransportHandler& handler)
    : certificate_(std::move(certificate)), handler_(handler) {}

DtlsTransport::~DtlsTransport() = default;

void DtlsTransport::set_remote_fingerprint(std::string algorithm, std::string value) {
  remote_algorithm_ = std::move(algorithm);
  auto digest = DtlsCertificate::parse_fingerprint(value);
  remote_digest_ = digest ? std::move(*digest) : std::vector<std::uint8_t>{};
}

void DtlsTransport::start() {
  if (state_ != State::New) return;
  if (!certificate_) {
    fail("no local certificate");
    return;
  }
  context_.reset(SSL_CTX_new(DTLS_server_method()));
  SSL_CTX* ctx = context_.get();
  bool ok = ctx && SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
            SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
            SSL_CTX_use_certificate(ctx, certificate_->certificate()) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, certificate_->private_key()) == 1 && SSL_CTX_check_private_key(ctx) == 1 &&
            SSL_CTX_set_cipher_list(ctx, kCiphers) == 1 && SSL_CTX_set1_groups_list(ctx, kGroups) == 1 &&
            SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) == 0;  // 0 means success here
  if (!ok) {
    fail(last_openssl_error("DTLS context setup failed"));
    return;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // Self-signed peers: chain validation is replaced by the fingerprint check in verify_peer.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &DtlsTransport::verify_peer);
  if (!create_ssl()) {
    fail(last_openssl_error("DTLS session setup failed"));
    return;
  }
  state_ = State::Handshaking;
}

bool DtlsTransport::create_ssl() {
  ssl_.reset(SSL_new(context_.get()));
  if (!ssl_) return false;
  BIO* bio = DatagramBio::create(bio_);
  if (!bio) return false;
  SSL_set_bio(ssl_.get(), bio, bio);  // one reference, owned by the SSL from here
  SSL_set_app_data(ssl_.get(), this);
  SSL_set_accept_state(ssl_.get());
  if (SSL_set_mtu(ssl_.get(), kMtu) <= 0) return false;  // returns the MTU it accepted
  DTLS_set_timer_cb(ssl_.get(), &retransmission_timer);
  return true;
}

int DtlsTransport::verify_peer(int, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = ssl ? static_cast<DtlsTransport*>(SSL_get_app_data(ssl)) : nullptr;
  if (!self) return 0;
  // Only the leaf matters; OpenSSL may call back per chain element and per error, the answer is the same.
  if (!self->peer_certificate_matches(X509_STORE_CTX_get0_cert(store))) {
    self->fingerprint_rejected_ = true;
    return 0;
  }
  X509_STORE_CTX_set_error(store, X509_V_OK);  // self-signed is expected
  return 1;
}

bool DtlsTransport::peer_certificate_matches(X509* certificate) const {
  if (!certificate || remote_digest_.empty()) return false;
  auto digest = DtlsCertificate::digest(certificate, remote_algorithm_);
  if (!digest || digest->size() != remote_digest_.size()) return false;
  return CRYPTO_memcmp(digest->data(), remote_digest_.data(), digest->size()) == 0;
}

bool DtlsTransport::awaiting_client_flight() const {
  // Before the client's second flight nothing secret has happened, so restarting costs nothing.
  switch (SSL_get_state(ssl_.get())) {
    case TLS_ST_BEFORE:
    case TLS_ST_SR_CLNT_HELLO:
    case DTLS_ST_SW_HELLO_VERIFY_REQUEST:
    case TLS_ST_SW_SRVR_HELLO:
    case TLS_ST_SW_CERT:
    case TLS_ST_SW_KEY_EXCH:
    case TLS_ST_SW_CERT_REQ:
    case TLS_ST_SW_SRVR_DONE:
      return true;
    default:
      return false;
  }
}

bool DtlsTransport::handle_incoming(std::span<const std::uint8_t> datagram) {
  if (state_ != State::Handshaking && state_ != State::Connected) return true;  // ended: not the sender's fault
  if (!admissible(datagram)) return false;
  auto first = DtlsRecord::parse(datagram);

  if (state_ == State::Connected) {
    bio_.set_inbound(datagram);
    read_after_connect();
    bio_.clear_inbound();
    return true;
  }

  auto random = client_hello_random(*first);
  if (first->plaintext_handshake_type() == kClientHelloType && !random && starts_handshake_message(*first)) {
    return false;  // a ClientHello too short to hold its random: junk
  }
  bool new_client_hello = random && awaiting_client_flight() && client_random_ != random;
  bio_.set_inbound(datagram);
  if (new_client_hello) {
    try_client_hello(*random);
  } else {
    drive_handshake();
  }
  bio_.clear_inbound();
  return true;
}

void DtlsTransport::try_client_hello(const std::array<std::uint8_t, 32>& random) {
  // Answer a ClientHello we have not seen on a fresh SSL, keeping the current one aside: if OpenSSL rejects
  // the hello (junk, forged, nothing in common) it came from someone we are not talking to, so it is dropped
  // silently and whatever handshake was under way continues. If it is accepted, the latest client wins (a
  // restarted browser, or the real peer after a stray hello), and the transcript holds only its hello.
  SslPtr previous = std::move(ssl_);
  auto previous_random = client_random_;
  if (!create_ssl()) {
    fail(last_openssl_error("DTLS session setup failed"));
    return;
  }
  client_random_ = random;
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_.get());
  int error = SSL_get_error(ssl_.get(), result);
  if (result != 1 && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    bio_.drop_outbound();  // no alert: the sender is unknown
    ssl_ = std::move(previous);
    client_random_ = previous_random;
    return;
  }
  flush_outbound();
}

void DtlsTransport::drive_handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_.get());
  if (result == 1) {
    flush_outbound();
    complete_handshake();
    return;
  }
  int error = SSL_get_error(ssl_.get(), result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    flush_outbound();
    return;
  }
  flush_outbound();  // the alert telling the peer why
  if (fingerprint_rejected_) {
    ERR_clear_error();
    fail("remote certificate does not match the SDP fingerprint");
    return;
  }
  fail(last_openssl_error("DTLS handshake failed"));
}

void DtlsTransport::complete_handshake() {
  X509* peer = SSL_get0_peer_certificate(ssl_.get());
  if (!peer_certificate_matches(peer)) {
    fail("remote certificate does not match the SDP fingerprint");
    return;
  }
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_.get());
  if (!selected) {
    fail("peer did not negotiate DTLS-SRTP");
    return;
  }
  SrtpKeyMaterial keys;
  if (selected->id == SRTP_AEAD_AES_128_GCM) {
    keys.profile = SrtpProfile::AeadAes128Gcm;
  } else if (selected->id == SRTP_AES128_CM_SHA1_80) {
    keys.profile = SrtpProfile::Aes128CmSha1_80;
  } else {
    fail("unexpected SRTP profile");
    return;
  }

  // RFC 5764 §4.2: client key | server key | client salt | server salt.
  const std::size_t key = srtp::master_key_length(keys.profile);
  const std::size_t salt = srtp::master_salt_length(keys.profile);
  std::vector<std::uint8_t> material(2 * (key + salt));
  if (SSL_export_keying_material(ssl_.get(), material.data(), material.size(), kExporterLabel,
                                 sizeof(kExporterLabel) - 1, nullptr, 0, 0) != 1) {
    fail(last_openssl_error("exporting SRTP keys failed"));
    return;
  }
  auto at = [&](std::size_t offset, std::size_t length) {
    return std::span<const std::uint8_t>(material).subspan(offset, length);
  };
  auto append = [](std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
  };
  append(keys.remote_key_salt, at(0, key));
  append(keys.local_key_salt, at(key, key));
  append(keys.remote_key_salt, at(2 * key, salt));
  append(keys.local_key_salt, at(2 * key + salt, salt));
  OPENSSL_cleanse(material.data(), material.size());

  state_ = State::Connected;
  handler_.on_dtls_connected(keys);
  OPENSSL_cleanse(keys.local_key_salt.data(), keys.local_key_salt.size());
  OPENSSL_cleanse(keys.remote_key_salt.data(), keys.remote_key_salt.size());
}

void DtlsTransport::read_after_connect() {
  // Application data is not part of this protocol; read it only to let OpenSSL process alerts and
  // retransmitted client flights (which make it resend its last flight), then discard it.
  std::array<std::uint8_t, 2048> sink;
  for (;;) {
    ERR_clear_error();
    int result = SSL_read(ssl_.get(), sink.data(), static_cast<int>(sink.size()));
    if (result > 0) continue;
    int error = SSL_get_error(ssl_.get(), result);
    flush_outbound();
    if (error == SSL_ERROR_ZERO_RETURN || (SSL_get_shutdown(ssl_.get()) & SSL_RECEIVED_SHUTDOWN) != 0) {
      ERR_clear_error();
      state_ = State::Closed;
      handler_.on_dtls_closed();
    }
    ERR_clear_error();
    return;
  }
}

std::optional<std::chrono::milliseconds> DtlsTransport::next_timeout() const {
  if (state_ != State::Handshaking || !ssl_) return std::nullopt;
  timeval remaining{};
  if (DTLSv1_get_timeout(ssl_.get(), &remaining) != 1) return std::nullopt;
  auto micros = std::chrono::seconds(remaining.tv_sec) + std::chrono::microseconds(remaining.tv_usec);
  return std::chrono::ceil<std::chrono::milliseconds>(micros);
}

void DtlsTransport::on_timeout() {
  if (state_ != State::Handshaking || !ssl_) return;
  ERR_clear_error();
  int result = DTLSv1_handle_timeout(ssl_.get());
  flush_outbound();
  if (result < 0) fail(last_openssl_error("DTLS handshake timed out"));
}

void DtlsTransport::close() {
  if (ssl_ && (state_ == State::Handshaking || state_ == State::Connected)) {
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    flush_outbound();
    ERR_clear_error();
  }
  if (state_ != State::Failed) state_ = State::Closed;
}

void DtlsTransport::flush_outbound() {
  for (const auto& datagram : bio_.take_outbound()) handler_.send_dtls(datagram);
}

void DtlsTransport::fail(std::string_view reason) {
  if (state_ == State::Failed || state_ == State::Closed) return;
  state_ = State::Failed;
  handler_.on_dtls_failed(reason);
}

}  // namespace shoal::rtc::dtls
