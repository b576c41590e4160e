// Cost of SRTP per 1200-byte RTP packet, per profile: shoal's SrtpSession (OpenSSL's ciphers) next to
// libsrtp2 as Debian builds it (the reference implementation, on NSS), and a floor measured in the
// same run: the same AES-128-GCM encryption done directly with OpenSSL's EVP interface.
#include "libsrtp_reference.hpp"
#include "rtc/srtp/srtp_session.hpp"

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <vector>

namespace {

using shoal::rtc::srtp::SrtpProfile;
using shoal::rtc::srtp::SrtpSession;
using shoal::test::LibsrtpSession;

constexpr std::size_t kPacket = 1200;

void fill_rtp(std::vector<std::uint8_t>& buffer, std::uint16_t seq) {
  std::fill(buffer.begin(), buffer.begin() + kPacket, 0xab);
  buffer[0] = 0x80;
  buffer[1] = 96;
  buffer[2] = static_cast<std::uint8_t>(seq >> 8);
  buffer[3] = static_cast<std::uint8_t>(seq);
  buffer[8] = 0x12, buffer[9] = 0x34, buffer[10] = 0x56, buffer[11] = 0x78;
}

template <typename Session>
void protect(benchmark::State& state, SrtpProfile profile) {
  std::vector<std::uint8_t> key(shoal::rtc::srtp::master_key_salt_length(profile), 7);
  auto session = Session::create(Session::Direction::Outbound, profile, key);
  if (!session) {
    state.SkipWithError("session refused the key");
    return;
  }
  std::vector<std::uint8_t> buffer(kPacket + shoal::rtc::srtp::kMaxTrailerLength);
  std::uint16_t seq = 0;
  for (auto _ : state) {
    fill_rtp(buffer, seq++);
    benchmark::DoNotOptimize(session->protect_rtp(buffer, kPacket));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacket));
}

// Protect and unprotect, what a forwarded packet costs once on each side.
template <typename Session>
void round_trip(benchmark::State& state, SrtpProfile profile) {
  std::vector<std::uint8_t> key(shoal::rtc::srtp::master_key_salt_length(profile), 7);
  auto out = Session::create(Session::Direction::Outbound, profile, key);
  auto in = Session::create(Session::Direction::Inbound, profile, key);
  if (!out || !in) {
    state.SkipWithError("session refused the key");
    return;
  }
  std::vector<std::uint8_t> buffer(kPacket + shoal::rtc::srtp::kMaxTrailerLength);
  std::uint16_t seq = 0;
  for (auto _ : state) {
    fill_rtp(buffer, seq++);
    auto sealed = out->protect_rtp(buffer, kPacket);
    if (!sealed || !in->unprotect_rtp(buffer, *sealed)) {
      state.SkipWithError("round trip failed");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacket));
}

void BM_SrtpProtectAeadAes128Gcm(benchmark::State& state) { protect<SrtpSession>(state, SrtpProfile::AeadAes128Gcm); }
void BM_SrtpProtectAes128CmSha1_80(benchmark::State& state) {
  protect<SrtpSession>(state, SrtpProfile::Aes128CmSha1_80);
}
void BM_LibsrtpProtectAeadAes128Gcm(benchmark::State& state) {
  protect<LibsrtpSession>(state, SrtpProfile::AeadAes128Gcm);
}
void BM_LibsrtpProtectAes128CmSha1_80(benchmark::State& state) {
  protect<LibsrtpSession>(state, SrtpProfile::Aes128CmSha1_80);
}
void BM_SrtpRoundTripAeadAes128Gcm(benchmark::State& state) {
  round_trip<SrtpSession>(state, SrtpProfile::AeadAes128Gcm);
}
void BM_SrtpRoundTripAes128CmSha1_80(benchmark::State& state) {
  round_trip<SrtpSession>(state, SrtpProfile::Aes128CmSha1_80);
}
void BM_LibsrtpRoundTripAeadAes128Gcm(benchmark::State& state) {
  round_trip<LibsrtpSession>(state, SrtpProfile::AeadAes128Gcm);
}
void BM_LibsrtpRoundTripAes128CmSha1_80(benchmark::State& state) {
  round_trip<LibsrtpSession>(state, SrtpProfile::Aes128CmSha1_80);
}

// Floor: RTP header as AAD, payload encrypted, 16-byte tag, one EVP context reused.
void BM_OpenSslAes128GcmBaseline(benchmark::State& state) {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  std::vector<std::uint8_t> buffer(kPacket + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
  std::uint16_t seq = 0;
  for (auto _ : state) {
    fill_rtp(buffer, seq);
    iv[11] = static_cast<std::uint8_t>(seq++);
    int out = 0;
    EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data());
    EVP_EncryptUpdate(ctx, nullptr, &out, buffer.data(), 12);
    EVP_EncryptUpdate(ctx, buffer.data() + 12, &out, buffer.data() + 12, kPacket - 12);
    EVP_EncryptFinal_ex(ctx, buffer.data() + kPacket, &out);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, buffer.data() + kPacket);
    benchmark::DoNotOptimize(buffer.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacket));
}

}  // namespace

BENCHMARK(BM_OpenSslAes128GcmBaseline);
BENCHMARK(BM_SrtpProtectAeadAes128Gcm);
BENCHMARK(BM_LibsrtpProtectAeadAes128Gcm);
BENCHMARK(BM_SrtpProtectAes128CmSha1_80);
BENCHMARK(BM_LibsrtpProtectAes128CmSha1_80);
BENCHMARK(BM_SrtpRoundTripAeadAes128Gcm);
BENCHMARK(BM_LibsrtpRoundTripAeadAes128Gcm);
BENCHMARK(BM_SrtpRoundTripAes128CmSha1_80);
BENCHMARK(BM_LibsrtpRoundTripAes128CmSha1_80);
