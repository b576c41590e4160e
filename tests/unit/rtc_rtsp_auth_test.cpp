#include "rtc/rtsp/rtsp_auth.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::rtsp {
namespace {

TEST(RtspAuth, ReadsTheChallengesSourcesSend) {
  // GStreamer's RTSP server.
  auto digest = parse_challenge(R"(Digest realm="GStreamer RTSP Server", nonce="baeb7d70517a2475")");
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->scheme, AuthScheme::Digest);
  EXPECT_EQ(digest->realm, "GStreamer RTSP Server");
  EXPECT_EQ(digest->nonce, "baeb7d70517a2475");
  EXPECT_EQ(digest->algorithm, DigestAlgorithm::Md5);
  EXPECT_FALSE(digest->algorithm_named);
  EXPECT_FALSE(digest->qop_auth);
  // RFC 7616 §3.9.1, with tokens and quoted strings, escapes and odd spacing.
  auto full = parse_challenge(
      "Digest realm=\"http-auth@example.org\" ,qop=\"auth, auth-int\",algorithm=SHA-256,  "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\","
      " stale=TRUE, domain=\"a \\\"b\\\"\"");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->algorithm, DigestAlgorithm::Sha256);
  EXPECT_TRUE(full->qop_auth);
  EXPECT_TRUE(full->stale);
  EXPECT_EQ(full->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  auto basic = parse_challenge(R"(Basic realm="cam")");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->scheme, AuthScheme::Basic);
  EXPECT_EQ(basic->realm, "cam");
}

TEST(RtspAuth, ReportsWhatItCannotAnswer) {
  EXPECT_FALSE(parse_challenge(R"(Bearer realm="x")"));
  EXPECT_FALSE(parse_challenge(R"(Digest realm="x")"));  // no nonce
  EXPECT_FALSE(parse_challenge(R"(Digest realm="x", nonce="n", algorithm=MD5-sess)"));
  EXPECT_FALSE(parse_challenge(R"(Digest realm="x", nonce="n", qop="auth-int")"));
  EXPECT_FALSE(parse_challenge(R"(Digest realm="x, nonce="n")"));      // unterminated
  EXPECT_FALSE(parse_challenge("Digest realm=\"x\r\nY: z\", nonce=\"n\""));  // a line break to echo
  EXPECT_FALSE(parse_challenge(R"(Digest realm "x")"));
  EXPECT_FALSE(parse_challenge(""));
  std::string many = "Digest nonce=\"n\"";
  for (int i = 0; i < 40; ++i) many += ", p" + std::to_string(i) + "=v";
  EXPECT_FALSE(parse_challenge(many));
}

TEST(RtspAuth, PrefersTheStrongestChallenge) {
  const std::vector<std::string_view> offered{R"(Basic realm="r")", R"(Digest realm="r", nonce="a")",
                                              R"(Digest realm="r", nonce="b", algorithm=SHA-256)", "Negotiate"};
  auto chosen = choose_challenge(offered);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->nonce, "b");
  const std::vector<std::string_view> basic_only{"Negotiate", R"(Basic realm="r")"};
  EXPECT_EQ(choose_challenge(basic_only)->scheme, AuthScheme::Basic);
  EXPECT_FALSE(choose_challenge(std::vector<std::string_view>{"Negotiate"}));
}

TEST(RtspAuth, AnswersBasic) {
  RequestAuthorizer authorizer({"Aladdin", "open sesame"}, *parse_challenge(R"(Basic realm="r")"), "unused");
  EXPECT_EQ(authorizer.authorization("DESCRIBE", "rtsp://cam/s"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

// RFC 2617 §3.5's example (qop=auth, MD5).
TEST(RtspAuth, AnswersDigestMd5AsRfc2617) {
  auto challenge = parse_challenge(R"(Digest realm="testrealm@host.com", qop="auth,auth-int", )"
                                   R"(nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41")");
  ASSERT_TRUE(challenge);
  RequestAuthorizer authorizer({"Mufasa", "Circle Of Life"}, *challenge, "0a4f113b");
  EXPECT_EQ(authorizer.authorization("GET", "/dir/index.html"),
            R"(Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", )"
            R"(uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", )"
            R"(opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001, cnonce="0a4f113b")");
  // The nonce count goes up with every request on the same nonce.
  EXPECT_NE(authorizer.authorization("GET", "/dir/index.html").find("nc=00000002"), std::string::npos);
}

// RFC 7616 §3.9.1's example (qop=auth, SHA-256).
TEST(RtspAuth, AnswersDigestSha256AsRfc7616) {
  auto challenge = parse_challenge(R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
                                   R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", )"
                                   R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")");
  ASSERT_TRUE(challenge);
  RequestAuthorizer authorizer({"Mufasa", "Circle of Life"}, *challenge, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
  const std::string answer = authorizer.authorization("GET", "/dir/index.html");
  EXPECT_NE(answer.find(R"(response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")"),
            std::string::npos)
      << answer;
  EXPECT_NE(answer.find("algorithm=SHA-256"), std::string::npos);
}

// Without qop (RFC 2069 style, as GStreamer and many cameras ask): H(HA1:nonce:HA2).
TEST(RtspAuth, AnswersDigestWithoutQop) {
  auto challenge = parse_challenge(R"(Digest realm="GStreamer RTSP Server", nonce="baeb7d70517a2475")");
  RequestAuthorizer authorizer({"alice", "s3cret"}, *challenge, "c");
  const std::string answer = authorizer.authorization("DESCRIBE", "rtsp://127.0.0.1:8554/stream");
  // md5(md5("alice:GStreamer RTSP Server:s3cret") ":baeb7d70517a2475:" md5("DESCRIBE:rtsp://127.0.0.1:8554/stream")),
  // computed with Python's hashlib
  EXPECT_NE(answer.find(R"(response="24e4839ae98ed0a22785f213d59314f6")"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("qop"), std::string::npos);
  EXPECT_EQ(answer.find("algorithm"), std::string::npos);
}

}  // namespace
}  // namespace shoal::rtc::rtsp
