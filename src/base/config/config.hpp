#pragma once
// The whole server configuration, read once at start-up from JF_* variables with the names,
// defaults, validation order and error texts of Jellyfish v0.2.1.
#include "config/env_readers.hpp"

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shoal::config {

// Production mirrors the v0.2.1 release (port 8080, API token required, origin check on);
// Development mirrors `mix phx.server` (port 5002, token "development", origin check off).
enum class Mode { Production, Development };

enum class CheckOriginPolicy {
  AllowAll,      // JF_CHECK_ORIGIN=false
  MatchHost,     // JF_CHECK_ORIGIN=true: Origin host must equal the host of JF_HOST
  MatchRequest,  // JF_CHECK_ORIGIN=:conn: Origin must equal the request's own scheme/host/port
  AllowList,     // anything else: space-separated origins, e.g. "//a.com:888 //*.other.com"
};

struct CheckOrigin {
  CheckOriginPolicy policy = CheckOriginPolicy::AllowAll;
  std::vector<std::string> allowed;  // only for AllowList
};

enum class DistMode { LongNames, ShortNames };  // JF_DIST_MODE name | sname
// JF_DIST_STRATEGY_NAME (later Jellyfish versions): connect to JF_DIST_NODES, or to the nodes a
// DNS name resolves to.
enum class DistStrategy { NodesList, Dns };

// JF_DIST_TLS_CERTFILE / _KEYFILE / _CACERTFILE (shoal's own): TLS distribution, as OTP's
// inet_tls_dist, when all three are set.
struct DistTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
};

struct DistConfig {
  bool enabled = false;
  std::string node_name;  // "name@host"
  std::string cookie;     // default "jellyfish_cookie"
  std::vector<std::string> nodes;
  DistMode mode = DistMode::LongNames;
  std::optional<PortRange> port_range;  // JF_DIST_MIN_PORT..JF_DIST_MAX_PORT
  // JF_DIST_LISTEN_IP (shoal's own): the address the distribution port is bound to; any by default,
  // as the documentation's multi-host and Docker examples need.
  boost::asio::ip::address_v4 listen_ip = boost::asio::ip::address_v4::any();
  std::optional<DistTlsFiles> tls;
  DistStrategy strategy = DistStrategy::NodesList;
  std::string dns_query;                                // JF_DIST_QUERY (DNS strategy)
  std::chrono::milliseconds polling_interval{5000};    // JF_DIST_POLLING_INTERVAL, in ms
  // JF_DIST_HEARTBEAT_TIMEOUT (shoal's own): a node silent this long counts as dead.
  std::chrono::milliseconds heartbeat_timeout{2000};
};

struct WebrtcConfig {
  bool used = true;
  boost::asio::ip::address turn_ip;         // advertised to clients
  boost::asio::ip::address turn_listen_ip;  // bound locally
  PortRange turn_port_range{50000, 59999};
  std::optional<std::uint16_t> turn_tcp_port;
};

// JF_LOG_FORMAT (shoal's own): today's text lines, or one JSON object per line with the room,
// peer and component a line is about as fields.
enum class LogFormat { Text, Json };

struct Config {
  Mode mode = Mode::Production;
  boost::asio::ip::address ip;
  std::uint16_t port = 8080;
  std::string address;      // JF_HOST verbatim or "<ntoa(JF_IP)>:<JF_PORT>"; jellyfish_address
  std::string url_host;     // host part of address (origin checks)
  std::uint16_t url_port = 443;
  std::string output_base_path;  // absolute
  boost::asio::ip::address metrics_ip;
  std::uint16_t metrics_port = 9568;
  DistConfig dist;
  WebrtcConfig webrtc;
  std::string server_api_token;
  std::string secret_key_base;  // random per boot when unset
  CheckOrigin check_origin;
  // JF_MAX_CONNECTIONS / JF_MAX_CONNECTIONS_PER_IP (shoal's own): open HTTP and WebSocket
  // connections of the API listener, in all and from one client address. The global default is
  // what the original's listener (Ranch) allowed.
  std::size_t max_connections = 16384;
  std::size_t max_connections_per_ip = 1024;
  // JF_DRAIN_TIMEOUT (shoal's own): on SIGTERM (or POST /drain) the node takes no new rooms or
  // peers and keeps serving its rooms until they end or this many seconds pass, then closes them
  // as deleted and exits. 0: close them at once.
  std::chrono::seconds drain_timeout{0};
  // JF_HLS_MIN_FREE_DISK_MB (shoal's own): an HLS component stops before the output's
  // filesystem has less than this free.
  std::uint64_t hls_min_free_mb = 512;
  LogFormat log_format = LogFormat::Text;
  // JF_DASHBOARD_ENABLED (shoal's own): serve the web dashboard at /dashboard/ (its data comes
  // from token-protected API calls).
  bool dashboard = false;
};

struct LoadResult {
  std::optional<Config> config;       // set on success
  std::string error;                  // exact text to print on stderr when config is empty
  std::vector<std::string> warnings;  // printed as warnings, start-up continues
};

LoadResult load_config(const EnvLookup& env, Mode mode);

// `shoal --help`: every variable with its default.
std::string help_text();

}  // namespace shoal::config
