// Peer tokens against one produced by Erlang/OTP itself (term_to_binary, crypto:pbkdf2_hmac and
// crypto:mac as Phoenix.Token does), so shoal and an Elixir Jellyfish sharing JF_SECRET_KEY_BASE
// accept each other's tokens.
#include "auth/peer_token.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace shoal::auth {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "super-secret-key-base-for-known-answer-tests-0123456789";
constexpr std::chrono::system_clock::time_point kSignedAt{std::chrono::milliseconds{1700000000000}};
// Made with OTP 25: {#{peer_id => P, room_id => R}, 1700000000000, 86400}.
constexpr std::string_view kErlangToken =
    "SFMyNTY.g2gDdAAAAAJkAAdwZWVyX2lkbQAAACQ1Y2RhYzcyNi01N2EzLTRlY2ItYjFkNS03MmEzZDYyZWMyNDJkAAdyb29t"
    "X2lkbQAAACQwYjZlNGEzZS03ZjBjLTRjMWUtOWE1OS0xZDJmM2M0YjVhNjluBgAAaOXPiwFiAAFRgA."
    "m2PPzg4QV3g61lT5egbI95QfzdFTjWr7EmMVyxGXIOs";
const PeerIdentity kIdentity{"0b6e4a3e-7f0c-4c1e-9a59-1d2f3c4b5a69", "5cdac726-57a3-4ecb-b1d5-72a3d62ec242"};

TEST(PeerTokenKnownAnswer, AcceptsATokenMadeByErlang) {
  PeerTokenSigner signer(kSecret);
  auto verified = signer.verify(kErlangToken, kSignedAt + 1000ms);
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(*verified, kIdentity);
}

TEST(PeerTokenKnownAnswer, ExpiresExactlyAfter24Hours) {
  PeerTokenSigner signer(kSecret);
  EXPECT_TRUE(signer.verify(kErlangToken, kSignedAt + 86400000ms).has_value());
  auto late = signer.verify(kErlangToken, kSignedAt + 86400001ms);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error(), TokenError::Expired);
  EXPECT_EQ(close_reason(TokenError::Expired), "expired token");
}

TEST(PeerTokenKnownAnswer, OwnTokensRoundTripAndHaveThePhoenixShape) {
  PeerTokenSigner signer(kSecret);
  auto token = signer.sign(kIdentity, kSignedAt);
  EXPECT_EQ(token.rfind("SFMyNTY.", 0), 0u);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  EXPECT_EQ(test::value_of(signer.verify(token, kSignedAt)), kIdentity);
}

TEST(PeerTokenKnownAnswer, AnyTamperingIsInvalid) {
  PeerTokenSigner signer(kSecret);
  PeerTokenSigner other("another secret");
  const std::string token(kErlangToken);
  auto invalid = [&](std::string_view candidate, const PeerTokenSigner& s) {
    auto result = s.verify(candidate, kSignedAt);
    return !result && result.error() == TokenError::Invalid;
  };
  EXPECT_TRUE(invalid(token, other));
  EXPECT_TRUE(invalid("", signer));
  EXPECT_TRUE(invalid("SFMyNTY", signer));
  EXPECT_TRUE(invalid("SFMyNTY.a.b.c", signer));
  EXPECT_TRUE(invalid("SFMyNTZ" + token.substr(7), signer));
  std::string flipped = token;
  flipped[40] = flipped[40] == 'A' ? 'B' : 'A';  // payload byte
  EXPECT_TRUE(invalid(flipped, signer));
  std::string bad_signature = token;
  bad_signature.back() = bad_signature.back() == 's' ? 't' : 's';
  EXPECT_TRUE(invalid(bad_signature, signer));
  EXPECT_TRUE(invalid(token + "=", signer));
  EXPECT_TRUE(invalid(std::string(5000, 'A'), signer));
  EXPECT_EQ(close_reason(TokenError::Invalid), "invalid token");
  EXPECT_EQ(close_reason(TokenError::Missing), "missing token");
}

}  // namespace
}  // namespace shoal::auth
