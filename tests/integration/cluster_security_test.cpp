// What an outsider can reach of a cluster node: the distribution listener is bound where
// JF_DIST_LISTEN_IP says, a node running on the public default cookie says so at start, and
// what another node asks for is validated as if it came over REST.
#include "cluster_harness.hpp"
#include "command_output.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

bool accepts(const std::string& address, std::uint16_t port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address(address), port}, ec);
  return !ec;
}

Env with_dist_port(Env env, std::uint16_t dist_port) {
  env["JF_DIST_MIN_PORT"] = std::to_string(dist_port);
  env["JF_DIST_MAX_PORT"] = std::to_string(dist_port);
  return env;
}

TEST(ClusterSecurity, DistributionListensOnlyWhereJfDistListenIpSays) {
  const auto a = unique_node_name("la"), b = unique_node_name("lb");
  const auto pa = free_port(), pb = free_port(), dist_a = free_port();
  auto env = with_dist_port(cluster_env(a, "", pa), dist_a);
  env["JF_DIST_LISTEN_IP"] = "127.0.0.1";
  ShoalProcess bound(env);
  EXPECT_TRUE(accepts("127.0.0.1", dist_a));
  EXPECT_FALSE(accepts("127.0.0.2", dist_a)) << "the distribution port answers on another address";
  // Nodes still find it through epmd and join.
  ShoalProcess joining(cluster_env(b, a, pb));
  EXPECT_TRUE(wait_for_cluster(pa, 2)) << bound.output();
  EXPECT_TRUE(wait_for_cluster(pb, 2)) << joining.output();
}

TEST(ClusterSecurity, DistributionListensOnEveryAddressByDefault) {
  const auto a = unique_node_name("any");
  const auto pa = free_port(), dist_a = free_port();
  ShoalProcess node(with_dist_port(cluster_env(a, "", pa), dist_a));
  EXPECT_TRUE(accepts("127.0.0.1", dist_a));
  EXPECT_TRUE(accepts("127.0.0.2", dist_a));
}

TEST(ClusterSecurity, BadDistListenIpStopsTheNode) {
  auto env = cluster_env(unique_node_name("bad"), "", free_port());
  env["JF_DIST_LISTEN_IP"] = "::1";
  auto result = run_shoal_to_exit(env, {"--dev"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("Bad JF_DIST_LISTEN_IP environment variable value. Expected an IPv4 address, got: ::1"),
            std::string::npos)
      << result.output;
}

TEST(ClusterSecurity, DefaultCookieInProductionIsWarnedAtStart) {
  const std::string warning = "JF_DIST_COOKIE is the default cookie, \"jellyfish_cookie\", which anyone can know";
  auto env = cluster_env(unique_node_name("prod"), "", free_port());
  env["JF_SERVER_API_TOKEN"] = "development";  // production mode, with the token the helpers send
  {
    ShoalProcess production(env, {});
    EXPECT_TRUE(output_contains(production, warning, std::chrono::seconds(2))) << production.output();
  }
  env["JF_DIST_COOKIE"] = "a-real-secret";
  env["JF_DIST_NODE_NAME"] = unique_node_name("prod2");
  ShoalProcess with_secret(env, {});
  ASSERT_TRUE(wait_for_cluster(with_secret.port(), 1));
  EXPECT_EQ(with_secret.output().find("JF_DIST_COOKIE is the default cookie"), std::string::npos)
      << with_secret.output();
}

TEST(ClusterSecurity, ANodeJoinsWhileIdleConnectionsSitOnTheDistributionPort) {
  const auto a = unique_node_name("idle_a"), b = unique_node_name("idle_b");
  const auto pa = free_port(), pb = free_port(), dist_a = free_port();
  ShoalProcess target(with_dist_port(cluster_env(a, "", pa), dist_a));
  ASSERT_TRUE(wait_for_cluster(pa, 1));
  // 100 connections that never say anything (each used to hold the only handshake for 1 s).
  boost::asio::io_context ioc;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> idle;
  for (int i = 0; i < 100; ++i) {
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(ioc);
    boost::system::error_code ec;
    socket->connect({boost::asio::ip::make_address("127.0.0.1"), dist_a}, ec);
    ASSERT_FALSE(ec) << ec.message();
    idle.push_back(std::move(socket));
  }
  ShoalProcess joining(cluster_env(b, a, pb));
  EXPECT_TRUE(wait_for_cluster(pb, 2, std::chrono::seconds(5))) << joining.output();
  EXPECT_TRUE(wait_for_cluster(pa, 2, std::chrono::seconds(5))) << target.output();
}

TEST(ClusterSecurity, AForwardedRoomCreationIsValidatedLikeARestOne) {
  constexpr const char* kErl = "/usr/bin/erl";
  if (::access(kErl, X_OK) != 0) GTEST_SKIP() << kErl << " is not installed";
  const auto name = unique_node_name("wh");
  const auto port = free_port();
  ShoalProcess node(cluster_env(name, "", port));
  ASSERT_TRUE(wait_for_cluster(port, 1));
  // An Erlang node with the cookie asks for a room whose webhook is not an http(s) URL.
  const std::string code = "N = '\"'\"'" + name +
                           "'\"'\"', register(shoal, self()), "
                           "{shoal, N} ! {shoal_call, 7, node(), {shoal_create_room, nil, nil, <<\"ftp://internal/x\">>}}, "
                           "receive {shoal_reply, 7, R} -> io:format(\"~p~n\", [R]) after 5000 -> "
                           "io:format(\"no reply~n\") end, halt().";
  const std::string out = command_output("timeout 20 " + std::string(kErl) + " -noshell -name " +
                                         unique_node_name("erl") + " -setcookie jellyfish_cookie -eval '" + code +
                                         "' 2>&1");
  EXPECT_NE(out.find("{error,400,<<\"webhookUrl must be an http:// or https:// URL\">>}"), std::string::npos) << out;
  EXPECT_EQ(api(port, "GET", "/room").json_body()["data"], json::array()) << "no room was created";
}

}  // namespace
}  // namespace shoal::test
