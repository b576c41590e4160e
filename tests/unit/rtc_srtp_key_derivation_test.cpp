#include "rtc/srtp/srtp_key_derivation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::srtp {
namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <typename Array>
std::vector<std::uint8_t> first(const Array& bytes, std::size_t n) {
  return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)};
}

// RFC 3711 Appendix B.3.
TEST(SrtpKeyDerivation, MatchesRfc3711Vectors) {
  auto keys = derive_session_keys(SrtpProfile::Aes128CmSha1_80,
                                  from_hex("E1F97A0D3E018BE0D64FA32C06DE4139"
                                           "0EC675AD498AFEEBB6960B3AABE6"));
  ASSERT_TRUE(keys);
  EXPECT_EQ(first(keys->rtp.cipher_key, 16), from_hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(first(keys->rtp.salt, 14), from_hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(first(keys->rtp.auth_key, 20), from_hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
  EXPECT_NE(keys->rtcp.cipher_key, keys->rtp.cipher_key);
}

TEST(SrtpKeyDerivation, RefusesWrongMasterLength) {
  EXPECT_FALSE(derive_session_keys(SrtpProfile::Aes128CmSha1_80, std::vector<std::uint8_t>(28)));
  EXPECT_FALSE(derive_session_keys(SrtpProfile::AeadAes128Gcm, std::vector<std::uint8_t>(30)));
  EXPECT_TRUE(derive_session_keys(SrtpProfile::AeadAes128Gcm, std::vector<std::uint8_t>(28)));
}

}  // namespace
}  // namespace shoal::rtc::srtp
