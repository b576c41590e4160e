// TLS distribution: shoal nodes given JF_DIST_TLS_* speak OTP's inet_tls_dist. A real Erlang node
// started with `-proto_dist inet_tls` pings one; two shoal nodes form a cluster over it; a plain
// node, or a node whose certificate the cluster's CA did not sign, is refused in both directions.
// Certificates are made for each run with the openssl command. Skipped without erl / openssl.
#include "cluster_harness.hpp"

#include "command_output.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kErl = "/usr/bin/erl";
constexpr const char* kOpenssl = "/usr/bin/openssl";


// A CA the cluster trusts, one it does not, and certificates for 127.0.0.1 signed by each.
class Certificates {
 public:
  Certificates() {
    char pattern[] = "/tmp/shoal_tls_XXXXXX";
    if (char* made = ::mkdtemp(pattern)) dir_ = made;
    const std::string script = R"(set -e
cd ")" + dir_ + R"("
ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.pem \
  -days 2 -subj /CN=$1 2>/dev/null; }
leaf() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr \
  -subj /CN=$1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > $1.ext
  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem -days 2 \
    -extfile $1.ext 2>/dev/null; }
ca cluster_ca; ca other_ca
leaf node1 cluster_ca; leaf node2 cluster_ca; leaf erl cluster_ca; leaf stranger other_ca
echo made)";
    ok_ = !dir_.empty() && command_output("bash -c '" + escape(script) + "' 2>&1").find("made") != std::string::npos;
  }
  ~Certificates() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  bool ok() const { return ok_; }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }

  // JF_DIST_TLS_* for a node using `leaf`'s certificate and trusting `ca`.
  void apply(Env& env, const std::string& leaf, const std::string& ca = "cluster_ca") const {
    env["JF_DIST_TLS_CERTFILE"] = path(leaf + ".pem");
    env["JF_DIST_TLS_KEYFILE"] = path(leaf + ".key");
    env["JF_DIST_TLS_CACERTFILE"] = path(ca + ".pem");
  }

  // The file `erl -ssl_dist_optfile` reads, for an Erlang node using `leaf` and trusting `ca`.
  std::string erlang_options(const std::string& leaf, const std::string& ca = "cluster_ca") const {
    const std::string files = "{certfile,\"" + path(leaf + ".pem") + "\"},{keyfile,\"" + path(leaf + ".key") +
                              "\"},{cacertfile,\"" + path(ca + ".pem") + "\"},{verify,verify_peer}";
    const std::string file = path("erl_" + leaf + "_" + ca + ".conf");
    std::ofstream(file) << "[{server,[" << files << ",{fail_if_no_peer_cert,true}]},{client,[" << files
                        << "]}].\n";
    return file;
  }

 private:
  static std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
    return out;
  }
  std::string dir_;
  bool ok_ = false;
};

// `erl` pinging `node`: "pong" or "pang". `tls_options` empty: a plain node.
std::string erlang_ping(const std::string& node, const std::string& tls_options) {
  std::string command = "timeout 30 " + std::string(kErl) + " -noshell -name " +
                        unique_node_name("erl") + " -setcookie jellyfish_cookie";
  if (!tls_options.empty()) command += " -proto_dist inet_tls -ssl_dist_optfile " + tls_options;
  command += " -eval 'io:format(\"~p~n\", [net_adm:ping('\"'\"'" + node + "'\"'\"')]), halt().' 2>&1";
  return command_output(command);
}

class ClusterTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kOpenssl, X_OK) != 0) GTEST_SKIP() << kOpenssl << " is not installed";
    ASSERT_TRUE(certs_.ok()) << "could not make test certificates";
  }
  Certificates certs_;
};

TEST_F(ClusterTls, AnErlangNodeOverInetTlsDistPingsAShoalNode) {
  if (::access(kErl, X_OK) != 0) GTEST_SKIP() << kErl << " is not installed";
  const auto name = unique_node_name("tls");
  auto env = cluster_env(name, "", free_port());
  certs_.apply(env, "node1");
  ShoalProcess node(env);
  ASSERT_TRUE(wait_for_cluster(node.port(), 1)) << node.output();
  EXPECT_NE(node.output().find("(TLS)"), std::string::npos) << node.output();

  EXPECT_NE(erlang_ping(name, certs_.erlang_options("erl")).find("pong"), std::string::npos) << node.output();
  // A plain Erlang node, and one with a certificate from another CA, get no answer.
  EXPECT_NE(erlang_ping(name, "").find("pang"), std::string::npos);
  EXPECT_NE(erlang_ping(name, certs_.erlang_options("stranger", "other_ca")).find("pang"), std::string::npos);
  EXPECT_TRUE(output_contains(node, "refused a distribution connection from 127.0.0.1: TLS handshake failed", 2s))
      << node.output();
  EXPECT_TRUE(node.running());
}

TEST_F(ClusterTls, TwoShoalNodesFormAClusterAndPlaceRoomsOverTls) {
  const auto a = unique_node_name("tls_a"), b = unique_node_name("tls_b");
  auto env_a = cluster_env(a, "", free_port());
  auto env_b = cluster_env(b, a, free_port());
  certs_.apply(env_a, "node1");
  certs_.apply(env_b, "node2");
  ShoalProcess node_a(env_a);
  ShoalProcess node_b(env_b);
  ASSERT_TRUE(wait_for_cluster(node_a.port(), 2, 10s)) << node_a.output();
  ASSERT_TRUE(wait_for_cluster(node_b.port(), 2, 10s)) << node_b.output();
  // Placement and routing run over the TLS connection: rooms land on both nodes.
  std::set<std::string> hosts;
  for (int i = 0; i < 4; ++i) {
    auto created = api(node_b.port(), "POST", "/room", R"({"maxPeers": 2})");
    ASSERT_EQ(created.status, 201) << created.body;
    hosts.insert(created.json_body()["data"]["jellyfish_address"].get<std::string>());
  }
  EXPECT_EQ(hosts.size(), 2u);
}

TEST_F(ClusterTls, APlainNodeAndATlsNodeRefuseEachOther) {
  const auto tls = unique_node_name("tls_only"), plain = unique_node_name("plain");
  auto env_tls = cluster_env(tls, plain, free_port());
  certs_.apply(env_tls, "node1");
  ShoalProcess tls_node(env_tls);
  ShoalProcess plain_node(cluster_env(plain, tls, free_port()));
  // Both keep trying to dial the other; neither connection comes up.
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(nodes_in_cluster(tls_node.port()), 1u) << tls_node.output();
  EXPECT_EQ(nodes_in_cluster(plain_node.port()), 1u) << plain_node.output();
  EXPECT_TRUE(tls_node.running());
  EXPECT_TRUE(plain_node.running());
}

TEST_F(ClusterTls, ANodeWithACertificateFromAnotherCaIsRefusedBothWays) {
  const auto trusted = unique_node_name("trusted"), stranger = unique_node_name("stranger");
  auto env_trusted = cluster_env(trusted, stranger, free_port());
  certs_.apply(env_trusted, "node1");
  // The stranger trusts the cluster's CA, so only the cluster's side can refuse it.
  auto env_stranger = cluster_env(stranger, trusted, free_port());
  certs_.apply(env_stranger, "stranger", "cluster_ca");
  ShoalProcess trusted_node(env_trusted);
  ShoalProcess stranger_node(env_stranger);
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(nodes_in_cluster(trusted_node.port()), 1u) << trusted_node.output();
  EXPECT_EQ(nodes_in_cluster(stranger_node.port()), 1u) << stranger_node.output();
  // Refused as a client (its certificate) and as a server (the trusted node dials it and
  // rejects what it presents).
  EXPECT_TRUE(output_contains(trusted_node, "refused a distribution connection from 127.0.0.1", 1s))
      << trusted_node.output();
  EXPECT_TRUE(output_contains(trusted_node, "could not connect to :\"" + stranger + "\"", 5s))
      << trusted_node.output();
}

TEST(ClusterTlsConfig, IncompleteOrBadTlsSettingsStopTheNode) {
  auto env = cluster_env(unique_node_name("cfg"), "", free_port());
  env["JF_DIST_TLS_CERTFILE"] = "/nonexistent/cert.pem";
  auto partial = run_shoal_to_exit(env, {"--dev"});
  EXPECT_EQ(partial.exit_code, 1) << partial.output;
  EXPECT_NE(partial.output.find("JF_DIST_TLS_CERTFILE, JF_DIST_TLS_KEYFILE and JF_DIST_TLS_CACERTFILE must be set "
                                "together"),
            std::string::npos)
      << partial.output;

  env["JF_DIST_TLS_KEYFILE"] = "/nonexistent/key.pem";
  env["JF_DIST_TLS_CACERTFILE"] = "/nonexistent/ca.pem";
  auto missing = run_shoal_to_exit(env, {"--dev"});
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("Bad JF_DIST_TLS_CERTFILE environment variable value. Expected a readable PEM "
                                "file, got: /nonexistent/cert.pem"),
            std::string::npos)
      << missing.output;
}

TEST_F(ClusterTls, AKeyThatDoesNotMatchTheCertificateStopsTheNode) {
  auto env = cluster_env(unique_node_name("mismatch"), "", free_port());
  certs_.apply(env, "node1");
  env["JF_DIST_TLS_KEYFILE"] = certs_.path("node2.key");
  auto result = run_shoal_to_exit(env, {"--dev"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("does not match the certificate"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace shoal::test
