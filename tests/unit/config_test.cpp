#include "config/config.hpp"
#include "result_access.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <stdexcept>

namespace shoal::config {
namespace {

using boost::asio::ip::make_address;
using Vars = std::map<std::string, std::string, std::less<>>;

EnvLookup fake_env(Vars vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Production refuses to start without a token; most tests are about something else.
Vars with_token(Vars vars) {
  vars.emplace("JF_SERVER_API_TOKEN", "token");
  return vars;
}

Config load_ok(const Vars& vars, Mode mode = Mode::Production) {
  auto result = load_config(fake_env(with_token(vars)), mode);
  EXPECT_TRUE(result.error.empty()) << result.error;
  if (!result.config) throw std::runtime_error("config did not load: " + result.error);
  return *result.config;
}

std::string load_error(const Vars& vars, Mode mode = Mode::Production) {
  auto result = load_config(fake_env(with_token(vars)), mode);
  EXPECT_FALSE(result.config.has_value());
  return result.error;
}

Vars dist(Vars vars) {
  vars.emplace("JF_DIST_ENABLED", "true");
  vars.emplace("JF_DIST_NODE_NAME", "app@127.0.0.1");
  vars.emplace("JF_DIST_NODES", "other@127.0.0.1");
  return vars;
}

const std::string kRangeExpectation =
    "Expected \"from-to\", where `from` and `to` are numbers between 0 and 65535 and `from` is "
    "not bigger than `to`, got: ";

// ---- Pure parsers ----

TEST(ParseIp, AcceptsDottedQuadAndErlangShortForms) {
  EXPECT_EQ(parse_ip("192.168.1.20"), make_address("192.168.1.20"));
  EXPECT_EQ(parse_ip("127.1"), make_address("127.0.0.1"));
  EXPECT_EQ(parse_ip("10.1.2"), make_address("10.1.0.2"));
  EXPECT_EQ(parse_ip("10.1.65535"), make_address("10.1.255.255"));
  EXPECT_EQ(parse_ip("10.16777215"), make_address("10.255.255.255"));
  EXPECT_EQ(parse_ip("2130706433"), make_address("127.0.0.1"));
  EXPECT_EQ(parse_ip("4294967295"), make_address("255.255.255.255"));
  EXPECT_EQ(parse_ip("0"), make_address("0.0.0.0"));
}

TEST(ParseIp, RefusesOutOfRangeHexOctalAndJunk) {
  for (std::string_view bad :
       {"", "256.0.0.1", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2", "10.1.65536", "10.16777216",
        "4294967296", "0x7f.0.0.1", "010.0.0.1", " 127.0.0.1", "127.0.0.1 ", "localhost",
        "example.com", "1.2.3.4a", "fe80::1%eth0", "::1 ", "1:2:3:4:5:6:7:8:9", "12345::"}) {
    EXPECT_FALSE(parse_ip(bad).has_value()) << bad;
  }
}

TEST(ParseIp, AcceptsIpv6) {
  EXPECT_EQ(parse_ip("::1"), make_address("::1"));
  EXPECT_EQ(parse_ip("::"), make_address("::"));
  EXPECT_EQ(parse_ip("2001:DB8:0:0:0:0:0:1"), make_address("2001:db8::1"));
  EXPECT_EQ(parse_ip("::ffff:1.2.3.4"), make_address("::ffff:1.2.3.4"));
}

TEST(Ntoa, FormatsLikeInetNtoa) {
  EXPECT_EQ(ntoa(make_address("127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(ntoa(*parse_ip("127.1")), "127.0.0.1");
  EXPECT_EQ(ntoa(*parse_ip("2001:db8:0:0:0:0:0:1")), "2001:db8::1");
  EXPECT_EQ(ntoa(*parse_ip("::1")), "::1");
}

TEST(ParsePort, FollowsIntegerParse) {
  EXPECT_EQ(parse_port("8080"), 8080);
  EXPECT_EQ(parse_port("8080abc"), 8080);
  EXPECT_EQ(parse_port("+80"), 80);
  EXPECT_EQ(parse_port("1"), 1);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("00080"), 80);
  EXPECT_EQ(parse_port("80 "), 80);
  for (std::string_view bad : {"0", "65536", "-1", "-0", "", "+", "abc", " 80", "99999999999999999999"}) {
    EXPECT_FALSE(parse_port(bad).has_value()) << bad;
  }
}

TEST(ParsePortRange, NeedsTwoOrderedNumbers) {
  EXPECT_EQ(parse_port_range("0-0"), (PortRange{0, 0}));
  EXPECT_EQ(parse_port_range("50000-59999"), (PortRange{50000, 59999}));
  EXPECT_EQ(parse_port_range("5-5"), (PortRange{5, 5}));
  EXPECT_EQ(parse_port_range("0-65535"), (PortRange{0, 65535}));
  for (std::string_view bad : {"10-5", "abc-10", "10-abc", "1-2-3", "-5", "5-", "-", "", "5",
                               "0-65536", "+1-2", " 1-2", "1-2 ", "99999999999999999999-1"}) {
    EXPECT_FALSE(parse_port_range(bad).has_value()) << bad;
  }
}

// ---- Readers ----

TEST(Readers, UnsetIsNoValueAndNoError) {
  auto env = fake_env({});
  auto ip = read_ip(env, "X");
  EXPECT_TRUE(ip.has_value());
  EXPECT_FALSE(ip->has_value());
  EXPECT_FALSE(read_port(env, "X")->has_value());
  EXPECT_FALSE(read_boolean(env, "X")->has_value());
  EXPECT_FALSE(read_port_range(env, "X")->has_value());
}

TEST(Readers, ErrorTextsAreExact) {
  auto env = fake_env({{"X", "nope"}});
  EXPECT_EQ(test::error_of(read_ip(env, "X")),
            "Bad X environment variable value. Expected valid ip address, got: nope\"");
  EXPECT_EQ(test::error_of(read_port(env, "X")),
            "Bad X environment variable value. Expected valid port number, got: nope");
  EXPECT_EQ(test::error_of(read_boolean(env, "X")),
            "Bad X environment variable value. Expected true or false, got: nope");
  EXPECT_EQ(test::error_of(read_port_range(env, "X")),
            "Bad X environment variable value. " + kRangeExpectation + "nope");
}

TEST(Readers, BooleanIsCaseInsensitive) {
  EXPECT_EQ(test::value_of(read_boolean(fake_env({{"X", "TRUE"}}), "X")), true);
  EXPECT_EQ(test::value_of(read_boolean(fake_env({{"X", "False"}}), "X")), false);
  EXPECT_FALSE(read_boolean(fake_env({{"X", "1"}}), "X").has_value());
  EXPECT_FALSE(read_boolean(fake_env({{"X", "yes"}}), "X").has_value());
}

// ---- Defaults ----

TEST(LoadConfig, ProductionDefaults) {
  auto result = load_config(fake_env({{"JF_SERVER_API_TOKEN", "secret"}}), Mode::Production);
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_TRUE(result.warnings.empty());
  const Config& c = *result.config;
  EXPECT_EQ(c.mode, Mode::Production);
  EXPECT_EQ(c.ip, make_address("127.0.0.1"));
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.address, "127.0.0.1:8080");
  EXPECT_EQ(c.url_host, "127.0.0.1");
  EXPECT_EQ(c.url_port, 8080);
  EXPECT_EQ(c.output_base_path,
            (std::filesystem::current_path() / "jellyfish_output").lexically_normal().string());
  EXPECT_EQ(c.metrics_ip, make_address("127.0.0.1"));
  EXPECT_EQ(c.metrics_port, 9568);
  EXPECT_FALSE(c.dist.enabled);
  EXPECT_TRUE(c.webrtc.used);
  EXPECT_EQ(c.webrtc.turn_ip, make_address("127.0.0.1"));
  EXPECT_EQ(c.webrtc.turn_listen_ip, make_address("127.0.0.1"));
  EXPECT_EQ(c.webrtc.turn_port_range, (PortRange{50000, 59999}));
  EXPECT_FALSE(c.webrtc.turn_tcp_port.has_value());
  EXPECT_EQ(c.server_api_token, "secret");
  EXPECT_EQ(c.secret_key_base.size(), 64u);
  EXPECT_EQ(c.check_origin.policy, CheckOriginPolicy::MatchHost);
  EXPECT_TRUE(c.check_origin.allowed.empty());
  EXPECT_EQ(c.log_format, LogFormat::Text);
}

TEST(LoadConfig, DevelopmentDefaults) {
  auto result = load_config(fake_env({}), Mode::Development);
  ASSERT_TRUE(result.config) << result.error;
  const Config& c = *result.config;
  EXPECT_EQ(c.mode, Mode::Development);
  EXPECT_EQ(c.port, 5002);
  EXPECT_EQ(c.address, "127.0.0.1:5002");
  EXPECT_EQ(c.url_host, "127.0.0.1");
  EXPECT_EQ(c.url_port, 5002);
  EXPECT_EQ(c.metrics_port, 9568);
  EXPECT_EQ(c.server_api_token, "development");
  EXPECT_EQ(c.check_origin.policy, CheckOriginPolicy::AllowAll);
}

// ---- JF_IP, JF_PORT and their order ----

TEST(LoadConfig, IpErrorKeepsTheStrayQuote) {
  EXPECT_EQ(load_error({{"JF_IP", "localhost"}}),
            "Bad JF_IP environment variable value. Expected valid ip address, got: localhost\"");
  EXPECT_EQ(load_error({{"JF_IP", ""}}),
            "Bad JF_IP environment variable value. Expected valid ip address, got: \"");
}

TEST(LoadConfig, ShortAndIpv6AddressesFeedTheDefaultHost) {
  auto c = load_ok({{"JF_IP", "127.1"}});
  EXPECT_EQ(c.ip, make_address("127.0.0.1"));
  EXPECT_EQ(c.address, "127.0.0.1:8080");

  auto v6 = load_ok({{"JF_IP", "::1"}});
  EXPECT_EQ(v6.ip, make_address("::1"));
  EXPECT_EQ(v6.address, "::1:8080");
  EXPECT_EQ(v6.url_host, "::1:8080");  // more than one ':' is not host:port
  EXPECT_EQ(v6.url_port, 443);
}

TEST(LoadConfig, PortErrors) {
  for (std::string bad : {"0", "65536", "", "abc", " 80", "-80"}) {
    EXPECT_EQ(load_error({{"JF_PORT", bad}}),
              "Bad JF_PORT environment variable value. Expected valid port number, got: " + bad);
  }
  EXPECT_EQ(load_ok({{"JF_PORT", "8080abc"}}).port, 8080);
  EXPECT_EQ(load_ok({{"JF_PORT", "+80"}}).port, 80);
  EXPECT_EQ(load_ok({{"JF_PORT", "8080abc"}}).address, "127.0.0.1:8080");
}

TEST(LoadConfig, FirstFailureWins) {
  EXPECT_EQ(load_error({{"JF_IP", "bad"}, {"JF_PORT", "bad"}}),
            "Bad JF_IP environment variable value. Expected valid ip address, got: bad\"");
  EXPECT_EQ(load_error({{"JF_PORT", "bad"}, {"JF_HOST", ""}}),
            "Bad JF_PORT environment variable value. Expected valid port number, got: bad");
  EXPECT_EQ(load_error({{"JF_METRICS_IP", "bad"}, {"JF_METRICS_PORT", "bad"}, {"JF_DIST_ENABLED", "x"}}),
            "Bad JF_METRICS_IP environment variable value. Expected valid ip address, got: bad\"");
  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "x"}, {"JF_WEBRTC_USED", "x"}}),
            "Bad JF_DIST_ENABLED environment variable value. Expected true or false, got: x");
  EXPECT_EQ(load_error({{"JF_WEBRTC_USED", "x"}, {"JF_SECRET_KEY_BASE", ""}}),
            "Bad JF_WEBRTC_USED environment variable value. Expected true or false, got: x");
  EXPECT_EQ(load_error({{"JF_SERVER_API_TOKEN", ""}, {"JF_SECRET_KEY_BASE", ""}}),
            "Bad JF_SERVER_API_TOKEN environment variable value. Expected a non-empty token, got an "
            "empty string");
  // Production without a token fails only after everything before it is valid.
  auto result = load_config(fake_env({{"JF_METRICS_PORT", "0"}}), Mode::Production);
  EXPECT_EQ(result.error,
            "Bad JF_METRICS_PORT environment variable value. Expected valid port number, got: 0");
}

// ---- JF_HOST ----

TEST(LoadConfig, HostForms) {
  auto plain = load_ok({{"JF_HOST", "example.com"}});
  EXPECT_EQ(plain.address, "example.com");
  EXPECT_EQ(plain.url_host, "example.com");
  EXPECT_EQ(plain.url_port, 443);

  auto with_port = load_ok({{"JF_HOST", "example.com:5000"}});
  EXPECT_EQ(with_port.address, "example.com:5000");
  EXPECT_EQ(with_port.url_host, "example.com");
  EXPECT_EQ(with_port.url_port, 5000);

  auto ip_port = load_ok({{"JF_HOST", "10.0.0.1:80"}});
  EXPECT_EQ(ip_port.url_host, "10.0.0.1");
  EXPECT_EQ(ip_port.url_port, 80);

  auto many = load_ok({{"JF_HOST", "a:b:c"}});
  EXPECT_EQ(many.address, "a:b:c");
  EXPECT_EQ(many.url_host, "a:b:c");
  EXPECT_EQ(many.url_port, 443);

  // JF_HOST does not have to agree with JF_IP/JF_PORT.
  auto independent = load_ok({{"JF_HOST", "example.com"}, {"JF_PORT", "4000"}});
  EXPECT_EQ(independent.port, 4000);
  EXPECT_EQ(independent.url_port, 443);
}

TEST(LoadConfig, HostErrors) {
  for (std::string bad : {"host:abc", "host:", "host:0", "host:65536", "host:80abc", "host:+80", ""}) {
    EXPECT_EQ(load_error({{"JF_HOST", bad}}),
              "Bad JF_HOST environment variable value. Expected \"host\", \"host:port\" or "
              "\"ip:port\", got: " +
                  bad);
  }
}

// ---- JF_OUTPUT_BASE_PATH, metrics ----

TEST(LoadConfig, OutputBasePath) {
  EXPECT_EQ(load_ok({{"JF_OUTPUT_BASE_PATH", "/var/lib/../lib/shoal/"}}).output_base_path,
            "/var/lib/shoal/");
  EXPECT_EQ(load_ok({{"JF_OUTPUT_BASE_PATH", "/data"}}).output_base_path, "/data");
  EXPECT_EQ(load_ok({{"JF_OUTPUT_BASE_PATH", "out/./x"}}).output_base_path,
            (std::filesystem::current_path() / "out/x").lexically_normal().string());
  EXPECT_EQ(load_error({{"JF_OUTPUT_BASE_PATH", ""}}),
            "Bad JF_OUTPUT_BASE_PATH environment variable value. Expected a directory path, got: ");
}

TEST(LoadConfig, Metrics) {
  auto c = load_ok({{"JF_METRICS_IP", "0.0.0.0"}, {"JF_METRICS_PORT", "9000"}});
  EXPECT_EQ(c.metrics_ip, make_address("0.0.0.0"));
  EXPECT_EQ(c.metrics_port, 9000);
  EXPECT_EQ(load_error({{"JF_METRICS_IP", ""}}),
            "Bad JF_METRICS_IP environment variable value. Expected valid ip address, got: \"");
  EXPECT_EQ(load_error({{"JF_METRICS_PORT", "65536"}}),
            "Bad JF_METRICS_PORT environment variable value. Expected valid port number, got: 65536");
}

// ---- Distribution ----

TEST(LoadConfig, DistDisabledIgnoresTheOtherDistVariables) {
  Vars bad = {{"JF_DIST_COOKIE", ""},     {"JF_DIST_MODE", "bogus"},  {"JF_DIST_NODE_NAME", "@@"},
              {"JF_DIST_NODES", "x y"},   {"JF_DIST_MIN_PORT", "0"},  {"JF_DIST_MAX_PORT", "abc"}};
  auto result = load_config(fake_env(with_token(bad)), Mode::Production);
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_FALSE(result.config->dist.enabled);
  EXPECT_TRUE(result.warnings.empty());

  bad.emplace("JF_DIST_ENABLED", "FALSE");
  EXPECT_FALSE(load_ok(bad).dist.enabled);
}

TEST(LoadConfig, DistEnabledDefaults) {
  auto result = load_config(fake_env(with_token({{"JF_DIST_ENABLED", "True"},
                                                 {"JF_DIST_NODE_NAME", "app@host.local"}})),
                            Mode::Production);
  ASSERT_TRUE(result.config) << result.error;
  const DistConfig& d = result.config->dist;
  EXPECT_TRUE(d.enabled);
  EXPECT_EQ(d.node_name, "app@host.local");
  EXPECT_EQ(d.cookie, "jellyfish_cookie");
  EXPECT_TRUE(d.nodes.empty());
  EXPECT_EQ(d.mode, DistMode::LongNames);
  EXPECT_FALSE(d.port_range.has_value());
  EXPECT_EQ(d.listen_ip, boost::asio::ip::address_v4::any());
  ASSERT_EQ(result.warnings.size(), 2u);
  EXPECT_EQ(result.warnings[0],
            "JF_DIST_COOKIE is the default cookie, \"jellyfish_cookie\", which anyone can know: whoever "
            "reaches the distribution port can control this node. Set JF_DIST_COOKIE to a secret shared by "
            "the cluster.");
  EXPECT_EQ(result.warnings[1],
            "JF_DIST_ENABLED has been set but JF_DIST_NODES remains unset.\n"
            "Make sure that at least one of your Jellyfish instances\n"
            "has JF_DIST_NODES set.");
}

TEST(LoadConfig, DefaultCookieWarnsOutsideDevelopmentOnly) {
  auto production = load_config(fake_env(with_token(dist({}))), Mode::Production);
  ASSERT_TRUE(production.config) << production.error;
  ASSERT_EQ(production.warnings.size(), 1u);
  EXPECT_EQ(production.warnings[0].rfind("JF_DIST_COOKIE is the default cookie", 0), 0u) << production.warnings[0];
  // The documentation's `mix phx.server` examples run with the default: no warning there.
  auto development = load_config(fake_env(dist({})), Mode::Development);
  ASSERT_TRUE(development.config) << development.error;
  EXPECT_TRUE(development.warnings.empty());
  auto secret = load_config(fake_env(with_token(dist({{"JF_DIST_COOKIE", "s3cret"}}))), Mode::Production);
  ASSERT_TRUE(secret.config) << secret.error;
  EXPECT_TRUE(secret.warnings.empty());
}

TEST(LoadConfig, DistListenIp) {
  EXPECT_EQ(load_ok(dist({{"JF_DIST_LISTEN_IP", "127.0.0.1"}})).dist.listen_ip,
            boost::asio::ip::make_address_v4("127.0.0.1"));
  EXPECT_EQ(load_ok(dist({{"JF_DIST_LISTEN_IP", "0.0.0.0"}})).dist.listen_ip, boost::asio::ip::address_v4::any());
  for (std::string bad : {"", "::1", "localhost", "10.0.0.256", "10.0.0.1:9000"}) {
    EXPECT_EQ(load_error(dist({{"JF_DIST_LISTEN_IP", bad}})),
              "Bad JF_DIST_LISTEN_IP environment variable value. Expected an IPv4 address, got: " + bad);
  }
  EXPECT_FALSE(load_ok({{"JF_DIST_LISTEN_IP", "bogus"}}).dist.enabled);  // not read without distribution
}

TEST(LoadConfig, DistNodesSplitOnSpaces) {
  auto result = load_config(
      fake_env(with_token(dist({{"JF_DIST_NODES", "  a@1.2.3.4   b@host.example c@::1 "},
                                {"JF_DIST_COOKIE", "s3cret"}}))),
      Mode::Production);
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->dist.nodes, (std::vector<std::string>{"a@1.2.3.4", "b@host.example", "c@::1"}));
  EXPECT_TRUE(result.warnings.empty());

  auto blank = load_config(fake_env(with_token(dist({{"JF_DIST_NODES", "   "}, {"JF_DIST_COOKIE", "s3cret"}}))),
                           Mode::Production);
  ASSERT_TRUE(blank.config) << blank.error;
  EXPECT_TRUE(blank.config->dist.nodes.empty());
  EXPECT_EQ(blank.warnings.size(), 1u);
}

TEST(LoadConfig, DistErrors) {
  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "true"}}),
            "JF_DIST_ENABLED has been set but JF_DIST_NODE_NAME remains unset.");
  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "yes"}}),
            "Bad JF_DIST_ENABLED environment variable value. Expected true or false, got: yes");
  EXPECT_EQ(load_error(dist({{"JF_DIST_COOKIE", ""}})),
            "Bad JF_DIST_COOKIE environment variable value. Expected a non-empty cookie");
  EXPECT_EQ(load_error(dist({{"JF_DIST_MODE", "longnames"}})),
            "Bad JF_DIST_MODE environment variable value. Expected name or sname, got: longnames");
  EXPECT_EQ(load_error(dist({{"JF_DIST_MODE", ""}})),
            "Bad JF_DIST_MODE environment variable value. Expected name or sname, got: ");
  // Unset node name is reported before a bad cookie.
  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "true"}, {"JF_DIST_COOKIE", ""}}),
            "JF_DIST_ENABLED has been set but JF_DIST_NODE_NAME remains unset.");
}

TEST(LoadConfig, DistNodeNameShape) {
  for (std::string bad : {"", "app", "@host.com", "app@", "a@b@c.com", "ap p@host.com", "app!@host.com",
                          "äpp@host.com"}) {
    EXPECT_EQ(load_error(dist({{"JF_DIST_NODE_NAME", bad}})),
              "Bad JF_DIST_NODE_NAME environment variable value. Expected a node name of the form "
              "name@host, got: " +
                  bad);
  }
  EXPECT_EQ(load_error(dist({{"JF_DIST_NODES", "ok@1.2.3.4 broken"}})),
            "Bad JF_DIST_NODES environment variable value. Expected a node name of the form "
            "name@host, got: broken");
  EXPECT_EQ(load_ok(dist({{"JF_DIST_NODE_NAME", "My_app-1@host.example.com"}})).dist.node_name,
            "My_app-1@host.example.com");
}

TEST(LoadConfig, DistLongNames) {
  for (std::string good : {"app@10.0.0.1", "app@host.example.com", "app@::1", "app@127.1"}) {
    EXPECT_EQ(load_ok(dist({{"JF_DIST_NODE_NAME", good}})).dist.node_name, good);
  }
  EXPECT_EQ(load_error(dist({{"JF_DIST_NODE_NAME", "app@localhost"}})),
            "Bad JF_DIST_NODE_NAME environment variable value. JF_DIST_MODE=name needs a host part "
            "that is a fully qualified domain name or an IP address, got: app@localhost");
  EXPECT_EQ(load_error(dist({{"JF_DIST_NODES", "a@b.c other@box"}})),
            "Bad JF_DIST_NODES environment variable value. JF_DIST_MODE=name needs a host part "
            "that is a fully qualified domain name or an IP address, got: other@box");
}

TEST(LoadConfig, DistShortNames) {
  auto c = load_ok({{"JF_DIST_ENABLED", "true"},
                    {"JF_DIST_MODE", "sname"},
                    {"JF_DIST_NODE_NAME", "app@box"},
                    {"JF_DIST_NODES", "other@box2"}});
  EXPECT_EQ(c.dist.mode, DistMode::ShortNames);
  EXPECT_EQ(c.dist.nodes, (std::vector<std::string>{"other@box2"}));

  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "true"},
                        {"JF_DIST_MODE", "sname"},
                        {"JF_DIST_NODE_NAME", "app@box.example.com"}}),
            "Bad JF_DIST_NODE_NAME environment variable value. JF_DIST_MODE=sname needs a host part "
            "without dots, got: app@box.example.com");
  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "true"},
                        {"JF_DIST_MODE", "sname"},
                        {"JF_DIST_NODE_NAME", "app@box"},
                        {"JF_DIST_NODES", "a@b c@10.0.0.1"}}),
            "Bad JF_DIST_NODES environment variable value. JF_DIST_MODE=sname needs a host part "
            "without dots, got: c@10.0.0.1");
}

// JF_DIST_STRATEGY_NAME and its DNS variables, with the texts of later Jellyfish versions.
TEST(LoadConfig, DistStrategyDefaultsToTheNodesList) {
  auto c = load_ok(dist({}));
  EXPECT_EQ(c.dist.strategy, DistStrategy::NodesList);
  EXPECT_EQ(c.dist.nodes, (std::vector<std::string>{"other@127.0.0.1"}));
  for (std::string name : {"NODES_LIST", "EPMD"}) {
    auto listed = load_ok(dist({{"JF_DIST_STRATEGY_NAME", name}}));
    EXPECT_EQ(listed.dist.strategy, DistStrategy::NodesList) << name;
    EXPECT_EQ(listed.dist.nodes, (std::vector<std::string>{"other@127.0.0.1"})) << name;
  }
}

TEST(LoadConfig, DistDnsStrategy) {
  auto result = load_config(fake_env(with_token({{"JF_DIST_ENABLED", "true"},
                                                 {"JF_DIST_NODE_NAME", "app@10.0.0.1"},
                                                 {"JF_DIST_STRATEGY_NAME", "DNS"},
                                                 {"JF_DIST_QUERY", "shoal.default.svc.cluster.local"},
                                                 {"JF_DIST_COOKIE", "s3cret"}})),
                            Mode::Production);
  ASSERT_TRUE(result.config) << result.error;
  const DistConfig& d = result.config->dist;
  EXPECT_EQ(d.strategy, DistStrategy::Dns);
  EXPECT_EQ(d.dns_query, "shoal.default.svc.cluster.local");
  EXPECT_EQ(d.polling_interval, std::chrono::milliseconds(5000));
  EXPECT_TRUE(d.nodes.empty());
  EXPECT_TRUE(result.warnings.empty());  // no JF_DIST_NODES warning: DNS finds the nodes

  Vars dns_vars = {{"JF_DIST_STRATEGY_NAME", "DNS"}, {"JF_DIST_QUERY", "q.example"}};
  auto with_interval = [&](std::string value) {
    Vars v = dns_vars;
    v.emplace("JF_DIST_POLLING_INTERVAL", std::move(value));
    return dist(v);
  };
  EXPECT_EQ(load_ok(with_interval("10000")).dist.polling_interval, std::chrono::milliseconds(10000));
  EXPECT_EQ(load_ok(with_interval("+250")).dist.polling_interval, std::chrono::milliseconds(250));
  // JF_DIST_NODES is not read (nor validated) with DNS.
  Vars ignored = dns_vars;
  ignored.emplace("JF_DIST_NODES", "not a node");
  EXPECT_TRUE(load_ok(dist(ignored)).dist.nodes.empty());
}

TEST(LoadConfig, DistStrategyErrors) {
  EXPECT_EQ(load_error(dist({{"JF_DIST_STRATEGY_NAME", "KUBERNETES"}})),
            "JF_DIST_ENABLED has been set but unknown JF_DIST_STRATEGY was provided.\n"
            "Availabile strategies are EPMD or DNS, provided strategy name was: \"KUBERNETES\"");
  EXPECT_EQ(load_error(dist({{"JF_DIST_STRATEGY_NAME", ""}})),
            "JF_DIST_ENABLED has been set but unknown JF_DIST_STRATEGY was provided.\n"
            "Availabile strategies are EPMD or DNS, provided strategy name was: \"\"");
  EXPECT_EQ(load_error({{"JF_DIST_ENABLED", "true"},
                        {"JF_DIST_MODE", "sname"},
                        {"JF_DIST_NODE_NAME", "app@box"},
                        {"JF_DIST_STRATEGY_NAME", "DNS"},
                        {"JF_DIST_QUERY", "q"}}),
            "DNS strategy requires `JF_DIST_MODE` to be `name`");
  EXPECT_EQ(load_error(dist({{"JF_DIST_STRATEGY_NAME", "DNS"}})), "JF_DIST_QUERY is required by DNS strategy");
  EXPECT_EQ(load_error(dist({{"JF_DIST_STRATEGY_NAME", "DNS"}, {"JF_DIST_QUERY", ""}})),
            "JF_DIST_QUERY is required by DNS strategy");
  for (std::string bad : {"abcd", "-25", "0", "", "10s", "1.5", " 5", "+", "99999999999999"}) {
    EXPECT_EQ(load_error(dist({{"JF_DIST_STRATEGY_NAME", "DNS"},
                               {"JF_DIST_QUERY", "q.example"},
                               {"JF_DIST_POLLING_INTERVAL", bad}})),
              "`JF_DIST_POLLING_INTERVAL` must be a positivie integer. Got: " + bad);
  }
  // The node name is checked before the query, as in the original.
  EXPECT_EQ(load_error(dist({{"JF_DIST_STRATEGY_NAME", "DNS"}, {"JF_DIST_NODE_NAME", "app"}})),
            "Bad JF_DIST_NODE_NAME environment variable value. Expected a node name of the form "
            "name@host, got: app");
  // With distribution off none of it is read.
  EXPECT_FALSE(load_ok({{"JF_DIST_STRATEGY_NAME", "bogus"}, {"JF_DIST_POLLING_INTERVAL", "x"}}).dist.enabled);
}

TEST(LoadConfig, DistHeartbeatTimeout) {
  EXPECT_EQ(load_ok(dist({})).dist.heartbeat_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(load_ok(dist({{"JF_DIST_HEARTBEAT_TIMEOUT", "5000"}})).dist.heartbeat_timeout,
            std::chrono::milliseconds(5000));
  EXPECT_EQ(load_ok(dist({{"JF_DIST_HEARTBEAT_TIMEOUT", "200"}})).dist.heartbeat_timeout,
            std::chrono::milliseconds(200));
  for (std::string bad : {"199", "0", "-1", "2s", "", "fast"}) {
    EXPECT_EQ(load_error(dist({{"JF_DIST_HEARTBEAT_TIMEOUT", bad}})),
              "Bad JF_DIST_HEARTBEAT_TIMEOUT environment variable value. Expected milliseconds, at least 200, got: " +
                  bad);
  }
}

TEST(LoadConfig, DistPorts) {
  EXPECT_EQ(load_ok(dist({{"JF_DIST_MIN_PORT", "9000"}, {"JF_DIST_MAX_PORT", "9010"}})).dist.port_range,
            (PortRange{9000, 9010}));
  EXPECT_EQ(load_ok(dist({{"JF_DIST_MIN_PORT", "9000"}, {"JF_DIST_MAX_PORT", "9000"}})).dist.port_range,
            (PortRange{9000, 9000}));
  EXPECT_EQ(load_error(dist({{"JF_DIST_MIN_PORT", "9010"}, {"JF_DIST_MAX_PORT", "9000"}})),
            "Bad JF_DIST_MIN_PORT environment variable value. Expected a port not bigger than "
            "JF_DIST_MAX_PORT (9000), got: 9010");
  EXPECT_EQ(load_error(dist({{"JF_DIST_MIN_PORT", "9000"}})),
            "JF_DIST_MIN_PORT and JF_DIST_MAX_PORT must be set together");
  EXPECT_EQ(load_error(dist({{"JF_DIST_MAX_PORT", "9000"}})),
            "JF_DIST_MIN_PORT and JF_DIST_MAX_PORT must be set together");
  EXPECT_EQ(load_error(dist({{"JF_DIST_MIN_PORT", "0"}, {"JF_DIST_MAX_PORT", "9000"}})),
            "Bad JF_DIST_MIN_PORT environment variable value. Expected valid port number, got: 0");
  EXPECT_EQ(load_error(dist({{"JF_DIST_MIN_PORT", "1"}, {"JF_DIST_MAX_PORT", ""}})),
            "Bad JF_DIST_MAX_PORT environment variable value. Expected valid port number, got: ");
}

// ---- WebRTC ----

TEST(LoadConfig, WebrtcSettings) {
  auto c = load_ok({{"JF_WEBRTC_TURN_IP", "203.0.113.7"},
                    {"JF_WEBRTC_TURN_LISTEN_IP", "0.0.0.0"},
                    {"JF_WEBRTC_TURN_PORT_RANGE", "0-0"},
                    {"JF_WEBRTC_TURN_TCP_PORT", "49999"}});
  EXPECT_EQ(c.webrtc.turn_ip, make_address("203.0.113.7"));
  EXPECT_EQ(c.webrtc.turn_listen_ip, make_address("0.0.0.0"));
  EXPECT_EQ(c.webrtc.turn_port_range, (PortRange{0, 0}));
  EXPECT_EQ(c.webrtc.turn_tcp_port, 49999);
}

TEST(LoadConfig, WebrtcErrors) {
  EXPECT_EQ(load_error({{"JF_WEBRTC_USED", ""}}),
            "Bad JF_WEBRTC_USED environment variable value. Expected true or false, got: ");
  EXPECT_EQ(load_error({{"JF_WEBRTC_TURN_IP", "turn.example.com"}}),
            "Bad JF_WEBRTC_TURN_IP environment variable value. Expected valid ip address, got: "
            "turn.example.com\"");
  EXPECT_EQ(load_error({{"JF_WEBRTC_TURN_LISTEN_IP", "1.2.3.4.5"}}),
            "Bad JF_WEBRTC_TURN_LISTEN_IP environment variable value. Expected valid ip address, "
            "got: 1.2.3.4.5\"");
  for (std::string bad : {"10-5", "abc-10", "1-2-3", "-5", "", "0-65536"}) {
    EXPECT_EQ(load_error({{"JF_WEBRTC_TURN_PORT_RANGE", bad}}),
              "Bad JF_WEBRTC_TURN_PORT_RANGE environment variable value. " + kRangeExpectation + bad);
  }
  EXPECT_EQ(load_error({{"JF_WEBRTC_TURN_TCP_PORT", "0"}}),
            "Bad JF_WEBRTC_TURN_TCP_PORT environment variable value. Expected valid port number, "
            "got: 0");
}

TEST(LoadConfig, WebrtcUnusedIgnoresTurnVariables) {
  Vars bad = {{"JF_WEBRTC_TURN_IP", "x"},
              {"JF_WEBRTC_TURN_LISTEN_IP", "x"},
              {"JF_WEBRTC_TURN_PORT_RANGE", "x"},
              {"JF_WEBRTC_TURN_TCP_PORT", "x"}};
  for (std::string off : {"false", "FALSE", "False"}) {
    Vars vars = bad;
    vars.emplace("JF_WEBRTC_USED", off);
    auto c = load_ok(vars);
    EXPECT_FALSE(c.webrtc.used) << off;
    EXPECT_FALSE(c.webrtc.turn_tcp_port.has_value());
  }
  Vars on = bad;
  on.emplace("JF_WEBRTC_USED", "TRUE");
  EXPECT_EQ(load_error(on),
            "Bad JF_WEBRTC_TURN_IP environment variable value. Expected valid ip address, got: x\"");
}

// ---- API token and secret ----

TEST(LoadConfig, ApiToken) {
  auto missing = load_config(fake_env({}), Mode::Production);
  EXPECT_FALSE(missing.config.has_value());
  EXPECT_EQ(missing.error,
            "environment variable JF_SERVER_API_TOKEN is missing.\n"
            "JF_SERVER_API_TOKEN is used for HTTP requests and\n"
            "server WebSocket authorization.");

  const std::string empty_error =
      "Bad JF_SERVER_API_TOKEN environment variable value. Expected a non-empty token, got an "
      "empty string";
  for (Mode mode : {Mode::Production, Mode::Development}) {
    auto empty = load_config(fake_env({{"JF_SERVER_API_TOKEN", ""}}), mode);
    EXPECT_FALSE(empty.config.has_value());
    EXPECT_EQ(empty.error, empty_error);
  }
  EXPECT_EQ(load_ok({{"JF_SERVER_API_TOKEN", "abc"}}, Mode::Development).server_api_token, "abc");
}

bool is_base64(const std::string& text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '/';
    if (!ok) return false;
  }
  return true;
}

TEST(LoadConfig, SecretKeyBase) {
  auto first = load_ok({}).secret_key_base;
  auto second = load_ok({}).secret_key_base;
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(second.size(), 64u);
  EXPECT_TRUE(is_base64(first)) << first;  // 48 bytes encode without padding
  EXPECT_NE(first, second);

  EXPECT_EQ(load_ok({{"JF_SECRET_KEY_BASE", "my-secret"}}).secret_key_base, "my-secret");
  EXPECT_EQ(load_error({{"JF_SECRET_KEY_BASE", ""}}),
            "Bad JF_SECRET_KEY_BASE environment variable value. Expected a non-empty secret");
}

// ---- JF_CHECK_ORIGIN ----

TEST(LoadConfig, CheckOrigin) {
  auto policy = [](const std::string& value, Mode mode = Mode::Production) {
    return load_ok({{"JF_CHECK_ORIGIN", value}}, mode).check_origin;
  };
  EXPECT_EQ(policy("true", Mode::Development).policy, CheckOriginPolicy::MatchHost);
  EXPECT_EQ(policy("TRUE").policy, CheckOriginPolicy::MatchHost);
  EXPECT_EQ(policy("false").policy, CheckOriginPolicy::AllowAll);
  EXPECT_EQ(policy("False").policy, CheckOriginPolicy::AllowAll);
  EXPECT_EQ(policy(":conn").policy, CheckOriginPolicy::MatchRequest);

  auto upper_conn = policy(":CONN");
  EXPECT_EQ(upper_conn.policy, CheckOriginPolicy::AllowList);
  EXPECT_EQ(upper_conn.allowed, (std::vector<std::string>{":CONN"}));

  auto list = policy("//a.com:888  //*.other.com ");
  EXPECT_EQ(list.policy, CheckOriginPolicy::AllowList);
  EXPECT_EQ(list.allowed, (std::vector<std::string>{"//a.com:888", "//*.other.com"}));

  auto empty = policy("");
  EXPECT_EQ(empty.policy, CheckOriginPolicy::AllowList);
  EXPECT_TRUE(empty.allowed.empty());
}

TEST(LoadConfig, LogFormat) {
  EXPECT_EQ(load_ok({}).log_format, LogFormat::Text);
  EXPECT_EQ(load_ok({{"JF_LOG_FORMAT", "text"}}).log_format, LogFormat::Text);
  EXPECT_EQ(load_ok({{"JF_LOG_FORMAT", "json"}}).log_format, LogFormat::Json);
  EXPECT_EQ(load_ok({{"JF_LOG_FORMAT", "json"}}, Mode::Development).log_format, LogFormat::Json);
  for (std::string bad : {"xml", "JSON", "", " json", "json "}) {
    EXPECT_EQ(load_error({{"JF_LOG_FORMAT", bad}}),
              "Bad JF_LOG_FORMAT environment variable value. Expected text or json, got: " + bad);
  }
}

TEST(LoadConfig, DashboardIsOffUnlessEnabled) {
  EXPECT_FALSE(load_ok({}).dashboard);
  EXPECT_FALSE(load_ok({}, Mode::Development).dashboard);
  EXPECT_TRUE(load_ok({{"JF_DASHBOARD_ENABLED", "true"}}).dashboard);
  EXPECT_FALSE(load_ok({{"JF_DASHBOARD_ENABLED", "false"}}).dashboard);
  EXPECT_EQ(load_error({{"JF_DASHBOARD_ENABLED", "on"}}),
            "Bad JF_DASHBOARD_ENABLED environment variable value. Expected true or false, got: on");
}

// ---- Robustness and help ----

TEST(LoadConfig, ThrowingLookupBecomesAnError) {
  EnvLookup throwing = [](std::string_view name) -> std::optional<std::string> {
    if (name == "JF_METRICS_IP") throw std::runtime_error("boom");
    return std::nullopt;
  };
  auto result = load_config(throwing, Mode::Development);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_NE(result.error.find("boom"), std::string::npos) << result.error;
}

TEST(HelpText, ListsUsageAndEveryVariable) {
  auto text = help_text();
  EXPECT_EQ(text.rfind("Usage: shoal [--dev] [--help]", 0), 0u);
  EXPECT_NE(text.find("--dev"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  for (std::string_view var :
       {"JF_IP", "JF_PORT", "JF_HOST", "JF_OUTPUT_BASE_PATH", "JF_METRICS_IP", "JF_METRICS_PORT",
        "JF_DIST_ENABLED", "JF_DIST_NODE_NAME", "JF_DIST_COOKIE", "JF_DIST_NODES", "JF_DIST_MODE",
        "JF_DIST_MIN_PORT", "JF_DIST_MAX_PORT", "JF_DIST_LISTEN_IP", "JF_WEBRTC_USED", "JF_WEBRTC_TURN_IP",
        "JF_WEBRTC_TURN_LISTEN_IP", "JF_WEBRTC_TURN_PORT_RANGE", "JF_WEBRTC_TURN_TCP_PORT",
        "JF_SERVER_API_TOKEN", "JF_SECRET_KEY_BASE", "JF_CHECK_ORIGIN", "JF_LOG_FORMAT",
        "JF_DASHBOARD_ENABLED"}) {
    EXPECT_NE(text.find("\n  " + std::string(var) + " "), std::string::npos) << var;
  }
  for (std::string_view fact : {"8080 / 5002", "jellyfish_output", "9568", "jellyfish_cookie",
                                "50000-59999", "development"}) {
    EXPECT_NE(text.find(fact), std::string::npos) << fact;
  }
}

}  // namespace
}  // namespace shoal::config
