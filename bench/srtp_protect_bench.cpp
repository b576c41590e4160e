// Cost of SRTP protection of one 1200-byte RTP packet per profile, next to a baseline in the
// same run: the same AES-128-GCM encryption done directly with OpenSSL's EVP interface. The
// ratio shows what libsrtp (and the crypto backend it was built with) adds per packet.
#include "rtc/srtp/srtp_library.hpp"
#include "rtc/srtp/srtp_session.hpp"

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <vector>

namespace {

using shoal::rtc::srtp::SrtpProfile;
using shoal::rtc::srtp::SrtpSession;

constexpr std::size_t kPacket = 1200;

void fill_rtp(std::vector<std::uint8_t>& buffer, std::uint16_t seq) {
  buffer[0] = 0x80;
  buffer[1] = 96;
  buffer[2] = static_cast<std::uint8_t>(seq >> 8);
  buffer[3] = static_cast<std::uint8_t>(seq);
  buffer[8] = 0x12, buffer[9] = 0x34, buffer[10] = 0x56, buffer[11] = 0x78;
}

void protect(benchmark::State& state, SrtpProfile profile) {
  shoal::rtc::srtp::ensure_srtp_initialized();
  std::vector<std::uint8_t> key(shoal::rtc::srtp::master_key_salt_length(profile), 7);
  auto session = SrtpSession::create(SrtpSession::Direction::Outbound, profile, key);
  if (!session) {
    state.SkipWithError("libsrtp refused the policy");
    return;
  }
  std::vector<std::uint8_t> buffer(kPacket + shoal::rtc::srtp::kMaxTrailerLength, 0xab);
  std::uint16_t seq = 0;
  for (auto _ : state) {
    fill_rtp(buffer, seq++);
    benchmark::DoNotOptimize(session->protect_rtp(buffer, kPacket));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacket));
}

void BM_SrtpProtectAeadAes128Gcm(benchmark::State& state) { protect(state, SrtpProfile::AeadAes128Gcm); }
void BM_SrtpProtectAes128CmSha1_80(benchmark::State& state) { protect(state, SrtpProfile::Aes128CmSha1_80); }

// Baseline: RTP header as AAD, payload encrypted, 16-byte tag, one EVP context reused.
void BM_OpenSslAes128GcmBaseline(benchmark::State& state) {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  std::vector<std::uint8_t> buffer(kPacket + 16, 0xab);
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
BENCHMARK(BM_SrtpProtectAes128CmSha1_80);
