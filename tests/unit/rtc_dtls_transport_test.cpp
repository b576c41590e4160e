#include "rtc/dtls/dtls_transport.hpp"

#include "rtc/dtls/datagram_bio.hpp"
#include "rtc/dtls/dtls_record.hpp"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/srtp.h>

#include <deque>
#include <thread>

namespace shoal::rtc::dtls {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Datagrams = std::vector<Bytes>;

struct RecordingHandler : DtlsTransportHandler {
  void send_dtls(std::span<const std::uint8_t> datagram) override { sent.emplace_back(datagram.begin(), datagram.end()); }
  void on_dtls_connected(const SrtpKeyMaterial& material) override {
    ++connected;
    keys = material;
  }
  void on_dtls_failed(std::string_view why) override {
    ++failed;
    reason = why;
  }
  void on_dtls_closed() override { ++closed; }

  Datagrams take() { return std::exchange(sent, {}); }

  Datagrams sent;
  int connected = 0;
  int failed = 0;
  int closed = 0;
  SrtpKeyMaterial keys;
  std::string reason;
};

// A browser stand-in: an OpenSSL DTLS client with its own self-signed certificate, talking through memory.
class TestClient {
 public:
  explicit TestClient(const char* srtp_profiles = "SRTP_AES128_CM_SHA1_80")
      : certificate_(DtlsCertificate::generate()), context_(SSL_CTX_new(DTLS_client_method())) {
    SSL_CTX_use_certificate(context_.get(), certificate_->certificate());
    SSL_CTX_use_PrivateKey(context_.get(), certificate_->private_key());
    SSL_CTX_set_tlsext_use_srtp(context_.get(), srtp_profiles);
    SSL_CTX_set_verify(context_.get(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    ssl_.reset(SSL_new(context_.get()));
    BIO* bio = DatagramBio::create(bio_);
    SSL_set_bio(ssl_.get(), bio, bio);
    SSL_set_connect_state(ssl_.get());
    SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(ssl_.get(), 1200);
    DTLS_set_timer_cb(ssl_.get(), [](SSL*, unsigned int previous) { return previous == 0 ? 50'000u : previous * 2; });
  }

  // Fires the client's retransmission timer once it is due.
  Datagrams retransmit() {
    timeval remaining{};
    if (DTLSv1_get_timeout(ssl_.get(), &remaining) == 1) {
      std::this_thread::sleep_for(std::chrono::seconds(remaining.tv_sec) +
                                  std::chrono::microseconds(remaining.tv_usec) + std::chrono::milliseconds(5));
    }
    DTLSv1_handle_timeout(ssl_.get());
    return bio_.take_outbound();
  }

  const std::string& fingerprint() const { return certificate_->fingerprint(); }

  // Feeds one datagram (or none, to start) and returns what the client sends in response.
  Datagrams step(std::optional<Bytes> datagram = std::nullopt) {
    if (datagram) bio_.set_inbound(*datagram);
    if (!SSL_is_init_finished(ssl_.get())) {
      int result = SSL_do_handshake(ssl_.get());
      if (result <= 0) {
        int error = SSL_get_error(ssl_.get(), result);
        if (error != SSL_ERROR_WANT_READ) failed = true;
      }
    } else if (datagram) {
      char buffer[2048];
      int result = SSL_read(ssl_.get(), buffer, sizeof(buffer));
      if (result <= 0 && SSL_get_error(ssl_.get(), result) == SSL_ERROR_ZERO_RETURN) got_close_notify = true;
    }
    ERR_clear_error();
    bio_.clear_inbound();
    return bio_.take_outbound();
  }

  bool connected() const { return SSL_is_init_finished(ssl_.get()); }

  // The client's view of RFC 5764 keys: its write key||salt and the server's.
  std::pair<Bytes, Bytes> keys(std::size_t key, std::size_t salt) {
    Bytes material(2 * (key + salt));
    EXPECT_EQ(SSL_export_keying_material(ssl_.get(), material.data(), material.size(), "EXTRACTOR-dtls_srtp", 19,
                                         nullptr, 0, 0),
              1);
    Bytes client(material.begin(), material.begin() + key);
    client.insert(client.end(), material.begin() + 2 * key, material.begin() + 2 * key + salt);
    Bytes server(material.begin() + key, material.begin() + 2 * key);
    server.insert(server.end(), material.begin() + 2 * key + salt, material.end());
    return {client, server};
  }

  Datagrams send_application_data(std::string_view text) {
    SSL_write(ssl_.get(), text.data(), static_cast<int>(text.size()));
    return bio_.take_outbound();
  }

  Datagrams shutdown() {
    SSL_shutdown(ssl_.get());
    return bio_.take_outbound();
  }

  const SRTP_PROTECTION_PROFILE* profile() { return SSL_get_selected_srtp_profile(ssl_.get()); }

  bool failed = false;
  bool got_close_notify = false;

 private:
  std::shared_ptr<const DtlsCertificate> certificate_;
  SslCtxPtr context_;
  SslPtr ssl_;
  DatagramBio bio_;
};

// Ping-pongs datagrams until nobody has anything left to say.
void pump(TestClient& client, DtlsTransport& server, RecordingHandler& handler, Datagrams to_server) {
  for (int round = 0; round < 20 && !to_server.empty(); ++round) {
    for (const auto& datagram : to_server) server.handle_incoming(datagram);
    to_server.clear();
    for (const auto& datagram : handler.take()) {
      for (auto& reply : client.step(datagram)) to_server.push_back(std::move(reply));
    }
  }
}

struct DtlsTransportTest : ::testing::Test {
  // A whole handshake with `client`, expecting its fingerprint; true once the server is connected.
  bool handshake(TestClient& client) {
    server.set_remote_fingerprint("sha-256", client.fingerprint());
    server.start();
    pump(client, server, handler, client.step());
    return server.connected();
  }

  std::shared_ptr<const DtlsCertificate> certificate = DtlsCertificate::process_certificate();
  RecordingHandler handler;
  DtlsTransport server{certificate, handler};
};

TEST_F(DtlsTransportTest, HandshakeAgreesOnAesCmKeys) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  EXPECT_EQ(server.state(), DtlsTransport::State::Handshaking);
  EXPECT_FALSE(server.next_timeout());  // nothing sent yet, nothing to retransmit
  pump(client, server, handler, client.step());

  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(server.connected());
  EXPECT_EQ(handler.connected, 1);
  EXPECT_EQ(handler.failed, 0);
  EXPECT_EQ(handler.keys.profile, SrtpProfile::Aes128CmSha1_80);
  auto [client_write, server_write] = client.keys(16, 14);
  EXPECT_EQ(handler.keys.local_key_salt, server_write);
  EXPECT_EQ(handler.keys.remote_key_salt, client_write);
  EXPECT_EQ(handler.keys.local_key_salt.size(), 30u);
  EXPECT_NE(handler.keys.local_key_salt, handler.keys.remote_key_salt);
  EXPECT_FALSE(server.next_timeout());
}

TEST_F(DtlsTransportTest, PrefersGcmWhenOffered) {
  TestClient client("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM");
  ASSERT_TRUE(handshake(client));
  EXPECT_EQ(handler.keys.profile, SrtpProfile::AeadAes128Gcm);
  ASSERT_NE(client.profile(), nullptr);
  EXPECT_EQ(client.profile()->id, static_cast<unsigned long>(SRTP_AEAD_AES_128_GCM));
  auto [client_write, server_write] = client.keys(16, 12);
  EXPECT_EQ(handler.keys.local_key_salt, server_write);
  EXPECT_EQ(handler.keys.remote_key_salt, client_write);
  EXPECT_EQ(handler.keys.remote_key_salt.size(), 28u);
}

TEST_F(DtlsTransportTest, LowercaseFingerprintAccepted) {
  TestClient client;
  std::string lower = client.fingerprint();
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  server.set_remote_fingerprint("sha-256", lower);
  server.start();
  pump(client, server, handler, client.step());
  EXPECT_TRUE(server.connected());
}

TEST_F(DtlsTransportTest, FingerprintMismatchFailsOnce) {
  TestClient client;
  TestClient someone_else;
  server.set_remote_fingerprint("sha-256", someone_else.fingerprint());
  server.start();
  auto hello = client.step();
  pump(client, server, handler, hello);
  EXPECT_FALSE(server.connected());
  EXPECT_EQ(handler.connected, 0);
  EXPECT_EQ(handler.failed, 1);
  EXPECT_NE(handler.reason.find("fingerprint"), std::string::npos) << handler.reason;
  EXPECT_EQ(server.state(), DtlsTransport::State::Failed);
  // Whatever arrives afterwards is ignored and never reported again.
  for (const auto& datagram : hello) server.handle_incoming(datagram);
  server.on_timeout();
  EXPECT_EQ(handler.failed, 1);
  EXPECT_FALSE(server.next_timeout());
}

TEST_F(DtlsTransportTest, MissingRemoteFingerprintFails) {
  TestClient client;
  server.start();
  pump(client, server, handler, client.step());
  EXPECT_FALSE(server.connected());
  EXPECT_EQ(handler.failed, 1);
  EXPECT_NE(handler.reason.find("fingerprint"), std::string::npos) << handler.reason;
}

TEST_F(DtlsTransportTest, ClientWithoutSrtpIsNeverConnected) {
  TestClient client("");
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  pump(client, server, handler, client.step());
  EXPECT_FALSE(server.connected());
  EXPECT_EQ(handler.connected, 0);
  EXPECT_EQ(handler.failed, 1);
  EXPECT_NE(handler.reason.find("SRTP"), std::string::npos) << handler.reason;
}

TEST_F(DtlsTransportTest, GarbageAndForgedHellosDoNotPreventRealHandshake) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();

  // Not DTLS at all: STUN, RTP, random bytes, empty, a truncated record.
  server.handle_incoming(Bytes{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42});
  server.handle_incoming(Bytes(200, 0x80));
  server.handle_incoming(Bytes{});
  server.handle_incoming(Bytes{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50, 1, 2, 3});
  // Well-formed records whose ClientHello body is junk.
  Bytes junk_hello = {22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 1, 0, 0, 48, 0, 0, 0, 0, 0, 0, 0, 48};
  junk_hello.resize(13 + 60, 0xEE);
  server.handle_incoming(junk_hello);
  // A well-formed ClientHello from a different client.
  TestClient intruder;
  for (const auto& datagram : intruder.step()) server.handle_incoming(datagram);
  handler.take();  // the answers went to whoever that was
  EXPECT_EQ(handler.failed, 0);

  pump(client, server, handler, client.step());
  EXPECT_TRUE(client.connected());
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(handler.failed, 0);
  EXPECT_EQ(handler.connected, 1);
  auto [client_write, server_write] = client.keys(16, 14);
  EXPECT_EQ(handler.keys.local_key_salt, server_write);
}

TEST_F(DtlsTransportTest, JunkHelloMidHandshakeIsIgnored) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  for (const auto& datagram : client.step()) server.handle_incoming(datagram);
  Datagrams replies;
  for (const auto& datagram : handler.take()) {
    for (auto& reply : client.step(datagram)) replies.push_back(std::move(reply));
  }
  ASSERT_FALSE(replies.empty());
  // Between the server's first flight and the client's answer, a record that looks like a ClientHello
  // (different random, garbage after it) arrives.
  Bytes junk_hello = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80, 1, 0, 0, 68, 0, 0, 0, 0, 0, 0, 0, 68, 0xfe, 0xfd};
  junk_hello.resize(13 + 80, 0x5A);
  server.handle_incoming(junk_hello);
  EXPECT_TRUE(handler.sent.empty());
  EXPECT_EQ(handler.failed, 0);
  pump(client, server, handler, replies);
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(handler.failed, 0);
}

TEST_F(DtlsTransportTest, RestartedClientWithNewHelloWins) {
  TestClient first_attempt;
  TestClient client;
  ASSERT_NE(first_attempt.fingerprint(), client.fingerprint());
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  for (const auto& datagram : first_attempt.step()) server.handle_incoming(datagram);
  handler.take();
  pump(client, server, handler, client.step());
  EXPECT_TRUE(server.connected());
}

TEST_F(DtlsTransportTest, LostServerFlightIsRetransmittedOnTimeout) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  for (const auto& datagram : client.step()) server.handle_incoming(datagram);
  ASSERT_FALSE(handler.sent.empty());
  handler.take();  // the whole ServerHello..ServerHelloDone flight is lost

  auto timeout = server.next_timeout();
  ASSERT_TRUE(timeout);
  EXPECT_LE(*timeout, std::chrono::milliseconds(1000));
  server.on_timeout();  // too early: nothing happens
  EXPECT_TRUE(handler.sent.empty());
  std::this_thread::sleep_for(*timeout + std::chrono::milliseconds(20));
  server.on_timeout();
  ASSERT_FALSE(handler.sent.empty());
  Datagrams replies;
  for (const auto& datagram : handler.take()) {
    for (auto& reply : client.step(datagram)) replies.push_back(std::move(reply));
  }
  pump(client, server, handler, replies);
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(handler.connected, 1);
}

TEST_F(DtlsTransportTest, LostFinalServerFlightIsResentWhenClientRetransmits) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  Datagrams to_server = client.step();
  while (!server.connected() && !to_server.empty()) {
    for (const auto& datagram : to_server) server.handle_incoming(datagram);
    to_server.clear();
    if (server.connected()) break;
    for (const auto& datagram : handler.take()) {
      for (auto& reply : client.step(datagram)) to_server.push_back(std::move(reply));
    }
  }
  ASSERT_TRUE(server.connected());
  handler.take();  // ChangeCipherSpec + Finished lost: the client is still waiting
  ASSERT_FALSE(client.connected());
  auto again = client.retransmit();
  ASSERT_FALSE(again.empty());
  for (const auto& datagram : again) server.handle_incoming(datagram);
  ASSERT_FALSE(handler.sent.empty());
  for (const auto& datagram : handler.take()) client.step(datagram);
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(handler.connected, 1);
}

// Records of the protected epoch a forger can put on the peer's path without knowing the keys. Those shorter
// than AES-GCM's nonce and tag made OpenSSL before 3.0.22 fail the whole association and send the genuine
// peer a fatal alert; these tests hold on every patch level because such records never reach OpenSSL.
Datagrams forged_protected_records() {
  Datagrams forged;
  forged.push_back(Bytes{21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40});  // epoch 1, too short for GCM
  forged.push_back(Bytes{23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 0});         // epoch 1, empty
  for (std::uint8_t length : {23, 24, 40}) {  // one byte short of nonce + tag, then exactly, then more
    Bytes junk = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 10, 0, length};
    junk.resize(13 + length, 0x33);
    forged.push_back(junk);
  }
  Bytes handshake = {22, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 11, 0, 20};  // an encrypted-looking Finished
  handshake.resize(13 + 20, 0x44);
  forged.push_back(handshake);
  return forged;
}

TEST_F(DtlsTransportTest, ForgedRecordsAfterConnectAreIgnored) {
  TestClient client;
  ASSERT_TRUE(handshake(client));
  handler.take();
  TestClient intruder;
  for (const auto& datagram : intruder.step()) server.handle_incoming(datagram);
  server.handle_incoming(Bytes{21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40});  // plaintext fatal alert
  for (const auto& datagram : forged_protected_records()) server.handle_incoming(datagram);
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(handler.closed, 0);
  EXPECT_EQ(handler.failed, 0);
  EXPECT_TRUE(handler.sent.empty()) << "nothing, no alert above all, goes to the genuine peer";
  for (const auto& datagram : client.shutdown()) server.handle_incoming(datagram);
  EXPECT_EQ(handler.closed, 1);  // the genuine session is still intact
}

TEST_F(DtlsTransportTest, ForgedShortProtectedRecordsAreDroppedUnseen) {
  TestClient client;
  ASSERT_TRUE(handshake(client));
  EXPECT_FALSE(server.handle_incoming(Bytes{21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40}));
  Bytes shortest_genuine_size = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 10, 0, 24};
  shortest_genuine_size.resize(13 + 24, 0x33);
  EXPECT_TRUE(server.handle_incoming(shortest_genuine_size)) << "long enough: OpenSSL checks its tag";
  // A well-formed record followed by a short protected one taints the whole datagram.
  Bytes mixed = shortest_genuine_size;
  mixed.insert(mixed.end(), {21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 11, 0, 2, 2, 40});
  EXPECT_FALSE(server.handle_incoming(mixed));
  EXPECT_TRUE(handler.take().empty());
}

TEST_F(DtlsTransportTest, ForgedRecordsDuringTheHandshakeDoNotBreakIt) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  Datagrams to_server = client.step();
  for (const auto& datagram : to_server) server.handle_incoming(datagram);
  // Records of the next epoch are buffered by OpenSSL until the client's ChangeCipherSpec: a short one
  // used to fail the handshake once processed.
  for (const auto& datagram : forged_protected_records()) server.handle_incoming(datagram);
  Datagrams replies;
  for (const auto& datagram : handler.take()) {
    for (auto& reply : client.step(datagram)) replies.push_back(std::move(reply));
  }
  pump(client, server, handler, replies);
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(handler.failed, 0) << handler.reason;
  EXPECT_EQ(handler.connected, 1);
}

TEST_F(DtlsTransportTest, HandshakeFlightsFitTheMtu) {
  TestClient client;
  server.set_remote_fingerprint("sha-256", client.fingerprint());
  server.start();
  for (const auto& datagram : client.step()) server.handle_incoming(datagram);
  ASSERT_FALSE(handler.sent.empty());
  for (const auto& datagram : handler.sent) {
    EXPECT_LE(datagram.size(), static_cast<std::size_t>(DtlsTransport::kMtu));
    EXPECT_TRUE(DtlsRecord::count_records(datagram));
  }
}

TEST_F(DtlsTransportTest, ApplicationDataIgnoredAndCloseNotifyReported) {
  TestClient client;
  ASSERT_TRUE(handshake(client));

  for (const auto& datagram : client.send_application_data("hello?")) server.handle_incoming(datagram);
  EXPECT_TRUE(server.connected());
  EXPECT_EQ(handler.closed, 0);
  EXPECT_EQ(handler.failed, 0);

  for (const auto& datagram : client.shutdown()) server.handle_incoming(datagram);
  EXPECT_EQ(handler.closed, 1);
  EXPECT_FALSE(server.connected());
}

TEST_F(DtlsTransportTest, CloseSendsCloseNotify) {
  TestClient client;
  ASSERT_TRUE(handshake(client));
  server.close();
  EXPECT_EQ(server.state(), DtlsTransport::State::Closed);
  auto sent = handler.take();
  ASSERT_FALSE(sent.empty());
  for (const auto& datagram : sent) client.step(datagram);
  EXPECT_TRUE(client.got_close_notify);
  EXPECT_EQ(handler.closed, 0);  // close() is the caller's own decision: no callback
}

TEST_F(DtlsTransportTest, NothingHappensBeforeStart) {
  TestClient client;
  for (const auto& datagram : client.step()) server.handle_incoming(datagram);
  EXPECT_TRUE(handler.sent.empty());
  EXPECT_EQ(server.state(), DtlsTransport::State::New);
}

TEST(DtlsTransport, NullCertificateFails) {
  RecordingHandler handler;
  DtlsTransport server(nullptr, handler);
  server.start();
  EXPECT_EQ(handler.failed, 1);
}

}  // namespace
}  // namespace shoal::rtc::dtls
