#include "config/config.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <exception>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

namespace shoal::config {

namespace {

using boost::asio::ip::address;
using boost::asio::ip::address_v4;

// Each step returns the start-up error text, or "" to continue.
using Error = std::string;

std::vector<std::string> split(std::string_view text, char separator, bool drop_empty) {
  std::vector<std::string> parts;
  for (;;) {
    auto at = text.find(separator);
    auto part = text.substr(0, at);
    if (!drop_empty || !part.empty()) parts.emplace_back(part);
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

constexpr std::string_view kDefaultCookie = "jellyfish_cookie";

std::string bad_value(std::string_view name, std::string_view rest) {
  std::string text = "Bad ";
  text.append(name).append(" environment variable value. ").append(rest);
  return text;
}

// Stores a reader's value over the default already in `out`; an unset variable keeps it.
template <typename T, typename U>
Error assign(ReadResult<T> read, U& out) {
  if (!read) return read.error();
  if (*read) out = std::move(**read);
  return {};
}

template <typename T>
Error assign(ReadResult<T> read, std::optional<T>& out) {
  if (!read) return read.error();
  out = std::move(*read);
  return {};
}

Error read_host(const EnvLookup& env, Config& config) {
  auto host = env("JF_HOST");
  config.address = host ? *host : ntoa(config.ip) + ":" + std::to_string(config.port);
  const auto bad = bad_value("JF_HOST",
                             "Expected \"host\", \"host:port\" or \"ip:port\", got: " + config.address);
  if (config.address.empty()) return bad;

  // Like v0.2.1 this only treats a single ':' as host:port, so a bare IPv6 address (the default
  // when JF_IP is IPv6) becomes the host with port 443.
  auto parts = split(config.address, ':', false);
  if (parts.size() != 2) {
    config.url_host = config.address;
    config.url_port = 443;
    return {};
  }
  const auto& port = parts[1];
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) return bad;
  // parse_port's Integer.parse leniency does not apply: the whole part must be the number.
  auto value = parse_port(port);
  if (!value) return bad;
  config.url_host = parts[0];
  config.url_port = *value;
  return {};
}

Error read_output_path(const EnvLookup& env, Config& config) {
  auto raw = env("JF_OUTPUT_BASE_PATH").value_or("jellyfish_output");
  const auto bad = bad_value("JF_OUTPUT_BASE_PATH", "Expected a directory path, got: " + raw);
  if (raw.empty()) return bad;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(raw, ec);
  if (ec) return bad;
  config.output_base_path = absolute.lexically_normal().string();
  return {};
}

bool is_node_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Erlang refuses to start distribution with a name that does not fit the naming mode, so the
// check happens here with a message naming the variable instead of a crash later.
Error check_node_name(std::string_view var, const std::string& node, DistMode mode) {
  auto at = node.find('@');
  bool well_formed = at != std::string::npos && at > 0 && at + 1 < node.size() &&
                     node.find('@', at + 1) == std::string::npos;
  if (well_formed) {
    for (std::size_t i = 0; i < at; ++i) well_formed = well_formed && is_node_name_char(node[i]);
  }
  if (!well_formed) return bad_value(var, "Expected a node name of the form name@host, got: " + node);

  auto host = std::string_view(node).substr(at + 1);
  bool has_dot = host.find('.') != std::string_view::npos;
  if (mode == DistMode::LongNames && !has_dot && !parse_ip(host)) {
    return bad_value(var,
                     "JF_DIST_MODE=name needs a host part that is a fully qualified domain name or "
                     "an IP address, got: " +
                         node);
  }
  if (mode == DistMode::ShortNames && has_dot) {
    return bad_value(var, "JF_DIST_MODE=sname needs a host part without dots, got: " + node);
  }
  return {};
}

// Elixir's Integer.parse over the whole text (optional sign, decimal digits), then > 0; capped
// at a day so the milliseconds fit every clock type.
std::optional<std::int64_t> parse_polling_interval(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value <= 0 || value > 24LL * 3600 * 1000) return std::nullopt;
  return value;
}

// Whole seconds, 0 to a day.
std::optional<std::chrono::seconds> parse_drain_timeout(std::string_view text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value > 86400) return std::nullopt;
  return std::chrono::seconds(value);
}

Error read_dist_tls(const EnvLookup& env, std::optional<DistTlsFiles>& tls) {
  const char* names[3] = {"JF_DIST_TLS_CERTFILE", "JF_DIST_TLS_KEYFILE", "JF_DIST_TLS_CACERTFILE"};
  std::optional<std::string> values[3];
  int set = 0;
  for (int i = 0; i < 3; ++i) {
    values[i] = env(names[i]);
    if (values[i]) ++set;
  }
  if (set == 0) return {};
  if (set != 3) {
    return "JF_DIST_TLS_CERTFILE, JF_DIST_TLS_KEYFILE and JF_DIST_TLS_CACERTFILE must be set together "
           "to use TLS distribution";
  }
  for (int i = 0; i < 3; ++i) {
    if (::access(values[i]->c_str(), R_OK) != 0) {
      return bad_value(names[i], "Expected a readable PEM file, got: " + *values[i] + " (" +
                                     std::strerror(errno) + ")");
    }
  }
  tls = DistTlsFiles{*values[0], *values[1], *values[2]};
  return {};
}

Error read_dist(const EnvLookup& env, Mode run_mode, DistConfig& dist, std::vector<std::string>& warnings) {
  if (auto e = assign(read_boolean(env, "JF_DIST_ENABLED"), dist.enabled); !e.empty()) return e;
  if (!dist.enabled) return {};

  auto node_name = env("JF_DIST_NODE_NAME");
  if (!node_name) return "JF_DIST_ENABLED has been set but JF_DIST_NODE_NAME remains unset.";
  dist.node_name = *node_name;

  dist.cookie = env("JF_DIST_COOKIE").value_or(std::string(kDefaultCookie));
  if (dist.cookie.empty()) return bad_value("JF_DIST_COOKIE", "Expected a non-empty cookie");
  if (dist.cookie == kDefaultCookie && run_mode == Mode::Production) {
    // The default is kept so the documentation's examples work, but it is public: whoever reaches
    // the distribution port with it can run every room route of this node without the API token.
    warnings.emplace_back(
        "JF_DIST_COOKIE is the default cookie, \"jellyfish_cookie\", which anyone can know: whoever reaches "
        "the distribution port can control this node. Set JF_DIST_COOKIE to a secret shared by the cluster.");
  }

  auto strategy = env("JF_DIST_STRATEGY_NAME");
  if (!strategy || *strategy == "NODES_LIST" || *strategy == "EPMD") {
    dist.strategy = DistStrategy::NodesList;
    dist.nodes = split(env("JF_DIST_NODES").value_or(""), ' ', true);
    if (dist.nodes.empty()) {
      warnings.emplace_back(
          "JF_DIST_ENABLED has been set but JF_DIST_NODES remains unset.\n"
          "Make sure that at least one of your Jellyfish instances\n"
          "has JF_DIST_NODES set.");
    }
  } else if (*strategy == "DNS") {
    dist.strategy = DistStrategy::Dns;
  }

  auto mode = env("JF_DIST_MODE").value_or("name");
  if (mode == "name") {
    dist.mode = DistMode::LongNames;
  } else if (mode == "sname") {
    dist.mode = DistMode::ShortNames;
  } else {
    return bad_value("JF_DIST_MODE", "Expected name or sname, got: " + mode);
  }

  // The texts below are those of later Jellyfish versions, which introduced these variables
  // ("EPMD" is accepted as the libcluster name of NODES_LIST, as that text suggests).
  if (strategy && *strategy != "NODES_LIST" && *strategy != "EPMD" && *strategy != "DNS") {
    return "JF_DIST_ENABLED has been set but unknown JF_DIST_STRATEGY was provided.\n"
           "Availabile strategies are EPMD or DNS, provided strategy name was: \"" +
           *strategy + "\"";
  }
  if (dist.strategy == DistStrategy::Dns) {
    if (dist.mode == DistMode::ShortNames) return "DNS strategy requires `JF_DIST_MODE` to be `name`";
  }

  if (auto e = check_node_name("JF_DIST_NODE_NAME", dist.node_name, dist.mode); !e.empty()) return e;
  if (dist.strategy == DistStrategy::Dns) {
    auto query = env("JF_DIST_QUERY");
    if (!query || query->empty()) return "JF_DIST_QUERY is required by DNS strategy";
    dist.dns_query = *query;
    auto interval = env("JF_DIST_POLLING_INTERVAL").value_or("5000");
    auto ms = parse_polling_interval(interval);
    if (!ms) return "`JF_DIST_POLLING_INTERVAL` must be a positivie integer. Got: " + interval;
    dist.polling_interval = std::chrono::milliseconds(*ms);
  }
  for (const auto& node : dist.nodes) {
    if (auto e = check_node_name("JF_DIST_NODES", node, dist.mode); !e.empty()) return e;
  }
  if (auto timeout = env("JF_DIST_HEARTBEAT_TIMEOUT")) {
    // Below 200 ms a busy machine's scheduling hiccups would read as dead nodes.
    auto ms = parse_polling_interval(*timeout);
    if (!ms || *ms < 200) {
      return bad_value("JF_DIST_HEARTBEAT_TIMEOUT", "Expected milliseconds, at least 200, got: " + *timeout);
    }
    dist.heartbeat_timeout = std::chrono::milliseconds(*ms);
  }

  std::optional<std::uint16_t> min_port;
  std::optional<std::uint16_t> max_port;
  if (auto e = assign(read_port(env, "JF_DIST_MIN_PORT"), min_port); !e.empty()) return e;
  if (auto e = assign(read_port(env, "JF_DIST_MAX_PORT"), max_port); !e.empty()) return e;
  if (min_port.has_value() != max_port.has_value()) {
    return "JF_DIST_MIN_PORT and JF_DIST_MAX_PORT must be set together";
  }
  if (auto listen = env("JF_DIST_LISTEN_IP")) {
    boost::system::error_code ec;
    dist.listen_ip = boost::asio::ip::make_address_v4(*listen, ec);
    if (ec) return bad_value("JF_DIST_LISTEN_IP", "Expected an IPv4 address, got: " + *listen);
  }
  if (auto e = read_dist_tls(env, dist.tls); !e.empty()) return e;
  if (min_port) {
    if (*min_port > *max_port) {
      return bad_value("JF_DIST_MIN_PORT", "Expected a port not bigger than JF_DIST_MAX_PORT (" +
                                               std::to_string(*max_port) +
                                               "), got: " + std::to_string(*min_port));
    }
    dist.port_range = PortRange{*min_port, *max_port};
  }
  return {};
}

Error read_webrtc(const EnvLookup& env, WebrtcConfig& webrtc) {
  // Defaults are filled in even when WebRTC is off so the struct never holds 0.0.0.0.
  webrtc.turn_ip = address_v4::loopback();
  webrtc.turn_listen_ip = address_v4::loopback();
  webrtc.turn_port_range = PortRange{50000, 59999};
  webrtc.turn_tcp_port.reset();

  if (auto e = assign(read_boolean(env, "JF_WEBRTC_USED"), webrtc.used); !e.empty()) return e;
  if (!webrtc.used) return {};
  if (auto e = assign(read_ip(env, "JF_WEBRTC_TURN_IP"), webrtc.turn_ip); !e.empty()) return e;
  if (auto e = assign(read_ip(env, "JF_WEBRTC_TURN_LISTEN_IP"), webrtc.turn_listen_ip); !e.empty()) {
    return e;
  }
  if (auto e = assign(read_port_range(env, "JF_WEBRTC_TURN_PORT_RANGE"), webrtc.turn_port_range);
      !e.empty()) {
    return e;
  }
  return assign(read_port(env, "JF_WEBRTC_TURN_TCP_PORT"), webrtc.turn_tcp_port);
}

Error read_api_token(const EnvLookup& env, Mode mode, std::string& token) {
  auto raw = env("JF_SERVER_API_TOKEN");
  if (!raw) {
    if (mode == Mode::Development) {
      token = "development";
      return {};
    }
    return "environment variable JF_SERVER_API_TOKEN is missing.\n"
           "JF_SERVER_API_TOKEN is used for HTTP requests and\n"
           "server WebSocket authorization.";
  }
  // v0.2.1 accepted "" and then authorised "Bearer " with nothing after it.
  if (raw->empty()) {
    return bad_value("JF_SERVER_API_TOKEN", "Expected a non-empty token, got an empty string");
  }
  token = *raw;
  return {};
}

// The same size Phoenix's `mix phx.gen.secret` produces: 48 bytes, 64 base64 characters.
std::optional<std::string> random_secret() {
  unsigned char bytes[48];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::nullopt;
  unsigned char encoded[4 * sizeof bytes / 3 + 1];
  int length = EVP_EncodeBlock(encoded, bytes, sizeof bytes);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length));
}

Error read_secret(const EnvLookup& env, std::string& secret) {
  if (auto raw = env("JF_SECRET_KEY_BASE")) {
    if (raw->empty()) return bad_value("JF_SECRET_KEY_BASE", "Expected a non-empty secret");
    secret = *raw;
    return {};
  }
  auto generated = random_secret();
  if (!generated) return "Could not generate a random JF_SECRET_KEY_BASE (OpenSSL RAND_bytes failed)";
  secret = std::move(*generated);
  return {};
}

CheckOrigin read_check_origin(const EnvLookup& env, Mode mode) {
  auto raw = env("JF_CHECK_ORIGIN");
  if (!raw) {
    return {mode == Mode::Production ? CheckOriginPolicy::MatchHost : CheckOriginPolicy::AllowAll, {}};
  }
  auto lower = ascii_lower(*raw);
  if (lower == "true") return {CheckOriginPolicy::MatchHost, {}};
  if (lower == "false") return {CheckOriginPolicy::AllowAll, {}};
  if (*raw == ":conn") return {CheckOriginPolicy::MatchRequest, {}};
  return {CheckOriginPolicy::AllowList, split(*raw, ' ', true)};
}

Error read_connection_limit(const EnvLookup& env, std::string_view name, std::size_t& limit) {
  auto raw = env(name);
  if (!raw) return {};
  const std::string& text = *raw;
  if (text.empty() || text.size() > 7 || text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(text) == 0 || std::stoul(text) > 1'000'000) {
    return bad_value(name, "Expected a number of connections from 1 to 1000000, got: " + text);
  }
  limit = std::stoul(text);
  return {};
}

// The order of the steps is the order v0.2.1 evaluates them, so the first error reported for a
// misconfigured environment is the same one the original would print.
Error read_all(const EnvLookup& env, Mode mode, Config& config, std::vector<std::string>& warnings) {
  config.mode = mode;
  config.ip = address_v4::loopback();
  config.port = mode == Mode::Production ? 8080 : 5002;
  config.metrics_ip = address_v4::loopback();
  config.metrics_port = 9568;

  if (auto e = assign(read_ip(env, "JF_IP"), config.ip); !e.empty()) return e;
  if (auto e = assign(read_port(env, "JF_PORT"), config.port); !e.empty()) return e;
  if (auto e = read_host(env, config); !e.empty()) return e;
  if (auto e = read_output_path(env, config); !e.empty()) return e;
  if (auto e = assign(read_ip(env, "JF_METRICS_IP"), config.metrics_ip); !e.empty()) return e;
  if (auto e = assign(read_port(env, "JF_METRICS_PORT"), config.metrics_port); !e.empty()) return e;
  if (auto e = read_dist(env, mode, config.dist, warnings); !e.empty()) return e;
  if (auto e = read_webrtc(env, config.webrtc); !e.empty()) return e;
  if (auto e = read_api_token(env, mode, config.server_api_token); !e.empty()) return e;
  if (auto e = read_secret(env, config.secret_key_base); !e.empty()) return e;
  config.check_origin = read_check_origin(env, mode);
  if (auto e = read_connection_limit(env, "JF_MAX_CONNECTIONS", config.max_connections); !e.empty()) return e;
  if (auto e = read_connection_limit(env, "JF_MAX_CONNECTIONS_PER_IP", config.max_connections_per_ip); !e.empty()) {
    return e;
  }
  if (auto raw = env("JF_DRAIN_TIMEOUT")) {
    auto seconds = parse_drain_timeout(*raw);
    if (!seconds) return bad_value("JF_DRAIN_TIMEOUT", "Expected whole seconds from 0 to 86400, got: " + *raw);
    config.drain_timeout = *seconds;
  }
  if (auto raw = env("JF_HLS_MIN_FREE_DISK_MB")) {
    const std::string& text = *raw;
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
      return bad_value("JF_HLS_MIN_FREE_DISK_MB", "Expected a number of megabytes, got: " + text);
    }
    config.hls_min_free_mb = std::stoull(text);
  }
  if (auto raw = env("JF_LOG_FORMAT")) {
    if (*raw == "text") {
      config.log_format = LogFormat::Text;
    } else if (*raw == "json") {
      config.log_format = LogFormat::Json;
    } else {
      return bad_value("JF_LOG_FORMAT", "Expected text or json, got: " + *raw);
    }
  }
  if (auto e = assign(read_boolean(env, "JF_DASHBOARD_ENABLED"), config.dashboard); !e.empty()) return e;
  return {};
}

void append_padded(std::string& text, std::string_view cell, std::size_t width) {
  text.append(cell).append(cell.size() < width ? width - cell.size() : 1, ' ');
}

}  // namespace

LoadResult load_config(const EnvLookup& env, Mode mode) {
  LoadResult result;
  // Start-up must print a message and exit, never terminate on an exception (e.g. a throwing
  // EnvLookup or an allocation failure).
  try {
    Config config;
    if (auto e = read_all(env, mode, config, result.warnings); !e.empty()) {
      result.error = std::move(e);
    } else {
      result.config = std::move(config);
    }
  } catch (const std::exception& e) {
    result.config.reset();
    result.error = std::string("Could not read the configuration: ") + e.what();
  } catch (...) {
    result.config.reset();
    result.error = "Could not read the configuration: unknown error";
  }
  return result;
}

std::string help_text() {
  struct Row {
    std::string_view name;
    std::string_view default_value;
    std::string_view meaning;
  };
  static constexpr Row kRows[] = {
      {"JF_IP", "127.0.0.1", "address the HTTP/WebSocket API listens on"},
      {"JF_PORT", "8080 / 5002", "port the HTTP/WebSocket API listens on"},
      {"JF_HOST", "<JF_IP>:<JF_PORT>", "public host or host:port of this instance, given to clients"},
      {"JF_OUTPUT_BASE_PATH", "jellyfish_output", "output directory of HLS components"},
      {"JF_METRICS_IP", "127.0.0.1", "address the Prometheus metrics endpoint listens on"},
      {"JF_METRICS_PORT", "9568", "port the Prometheus metrics endpoint listens on"},
      {"JF_DIST_ENABLED", "false", "join a cluster of Jellyfish nodes"},
      {"JF_DIST_NODE_NAME", "(required if dist)", "this node's name, name@host"},
      {"JF_DIST_COOKIE", "jellyfish_cookie", "cookie shared by all nodes of the cluster"},
      {"JF_DIST_NODES", "(empty)", "space-separated names of nodes to connect to"},
      {"JF_DIST_MODE", "name", "name (host is an FQDN or IP) or sname (host without dots)"},
      {"JF_DIST_MIN_PORT", "(unset)", "lowest distribution port; set with JF_DIST_MAX_PORT"},
      {"JF_DIST_MAX_PORT", "(unset)", "highest distribution port; unset: any free port"},
      {"JF_DIST_LISTEN_IP", "0.0.0.0", "IPv4 address the distribution port is bound to"},
      {"JF_DIST_TLS_CERTFILE", "(unset)", "PEM certificate: with the next two, TLS distribution"},
      {"JF_DIST_TLS_KEYFILE", "(unset)", "PEM private key of JF_DIST_TLS_CERTFILE"},
      {"JF_DIST_TLS_CACERTFILE", "(unset)", "PEM CA that signs every node's certificate"},
      {"JF_DIST_STRATEGY_NAME", "NODES_LIST", "NODES_LIST (connect to JF_DIST_NODES) or DNS"},
      {"JF_DIST_QUERY", "(required if DNS)", "DNS name whose addresses are the cluster's nodes"},
      {"JF_DIST_POLLING_INTERVAL", "5000", "milliseconds between DNS queries"},
      {"JF_DIST_HEARTBEAT_TIMEOUT", "2000", "milliseconds of silence after which a node is dead"},
      {"JF_WEBRTC_USED", "true", "enable WebRTC peers and the TURN server"},
      {"JF_WEBRTC_TURN_IP", "127.0.0.1", "TURN address advertised to clients"},
      {"JF_WEBRTC_TURN_LISTEN_IP", "127.0.0.1", "address the TURN server listens on"},
      {"JF_WEBRTC_TURN_PORT_RANGE", "50000-59999", "UDP ports for TURN allocations, from-to"},
      {"JF_WEBRTC_TURN_TCP_PORT", "(unset)", "TCP port of the TURN server; unset: no TURN over TCP"},
      {"JF_SERVER_API_TOKEN", "(required) / development", "token for HTTP API and server WebSocket auth"},
      {"JF_SECRET_KEY_BASE", "(random per start)", "secret that signs peer tokens"},
      {"JF_CHECK_ORIGIN", "true / false", "WebSocket origin check: true, false, :conn or origins"},
      {"JF_MAX_CONNECTIONS", "16384", "open HTTP/WebSocket connections of the API, in all"},
      {"JF_MAX_CONNECTIONS_PER_IP", "1024", "open HTTP/WebSocket connections of the API per client address"},
      {"JF_DRAIN_TIMEOUT", "0", "seconds SIGTERM waits for rooms to end before closing them"},
      {"JF_HLS_MIN_FREE_DISK_MB", "512", "HLS components stop before the output disk has less free (0: off)"},
      {"JF_LOG_FORMAT", "text", "log lines as text, or json: one object per line, room/peer ids as fields"},
      {"JF_DASHBOARD_ENABLED", "false", "serve the web dashboard at /dashboard/ (needs the API token)"},
  };

  std::string text =
      "Usage: shoal [--dev] [--help]\n"
      "\n"
      "  --dev   use the development defaults of Jellyfish v0.2.1 (mix phx.server):\n"
      "          JF_PORT 5002, JF_SERVER_API_TOKEN \"development\", origin check off\n"
      "  --help  print this text and exit\n"
      "\n"
      "Configuration comes from environment variables (default: production / --dev):\n";
  for (const auto& row : kRows) {
    text += "  ";
    append_padded(text, row.name, 27);
    append_padded(text, row.default_value, 26);
    text.append(row.meaning).append("\n");
  }
  return text;
}

}  // namespace shoal::config
