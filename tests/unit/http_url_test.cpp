#include "notifications/http_url.hpp"

#include <gtest/gtest.h>

namespace shoal::notifications {
namespace {

TEST(HttpUrl, PlainHttpDefaultsToPort80AndRoot) {
  auto url = parse_http_url("http://hooks.example");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "hooks.example");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  EXPECT_FALSE(url->tls);
}

TEST(HttpUrl, HttpsDefaultsToPort443) {
  auto url = parse_http_url("https://hooks.example/jf?room=1");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/jf?room=1");
}

TEST(HttpUrl, ExplicitPortsAndIpv6) {
  auto url = parse_http_url("https://[::1]:8443?x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/?x");
  EXPECT_TRUE(url->tls);
}

TEST(HttpUrl, RefusesOtherSchemesCredentialsAndBadPorts) {
  for (const char* bad : {"ftp://x", "https://", "http://", "HTTP://x", "https://user:pw@x/", "http://x:0/",
                          "http://x:65536/", "http://x:12a/", "https://[::1/", "https://x y/", "//x"}) {
    EXPECT_FALSE(parse_http_url(bad)) << bad;
  }
  EXPECT_FALSE(parse_http_url("http://x/" + std::string(3000, 'a')));
}

}  // namespace
}  // namespace shoal::notifications
