#pragma once
// Test harness: starts the real shoal binary on free loopback ports and talks to it over real
// HTTP and WebSocket connections. Every wait is bounded.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace shoal::test {

using Env = std::map<std::string, std::string>;
using nlohmann::json;

// The shoal binary the tests run: $SHOAL_TEST_SANITIZED_BINARY (the sanitized stage's ASan+UBSan
// build) or $SHOAL_TEST_BINARY when set, else the build's own build/shoal. Every process started
// through this harness fails the running test if it printed a sanitizer report.
const char* shoal_binary();
// How long a load test may wait for work whose release-build budget is `release_budget`: longer
// against the sanitized build, which is several times slower.
std::chrono::milliseconds load_budget(std::chrono::milliseconds release_budget);
// False against the ASan build: its allocator keeps freed memory in quarantine (and adds
// redzones), so a process's resident or peak memory says nothing about what it holds live.
bool memory_is_measurable();

std::uint16_t free_port();
// Resident memory of a process in kB (VmRSS), -1 when unreadable.
long resident_kb(pid_t pid);
long peak_resident_kb(pid_t pid);  // the high-water mark of resident memory
// Raises this process's open-file soft limit to its hard limit (for many client sockets).
void raise_open_file_limit();
// A blocking TCP connection from `source` (an address of lo) to 127.0.0.1:`port`; -1 on failure.
int connect_from(const char* source, std::uint16_t port);

struct ExitResult {
  int exit_code = -1;  // -1: did not exit in time (killed)
  std::string output;  // stdout + stderr
};

// Runs shoal to completion (for start-up errors); kills it after `timeout`.
ExitResult run_shoal_to_exit(const Env& env, const std::vector<std::string>& args = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

class ShoalProcess {
 public:
  // Starts `shoal --dev` (unless args say otherwise) with JF_PORT/JF_METRICS_PORT on free ports
  // unless `env` sets them; waits until the HTTP port accepts connections.
  explicit ShoalProcess(Env env = {}, std::vector<std::string> args = {"--dev"});
  ~ShoalProcess();
  ShoalProcess(const ShoalProcess&) = delete;
  ShoalProcess& operator=(const ShoalProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint16_t metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM and wait; returns the exit code (or -1 when it had to be killed).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::string output() const;  // everything the process printed so far

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::string log_path_;
  int exit_code_ = -1;
};

// Waits up to `timeout` for `text` to appear in what `process` printed.
bool output_contains(const ShoalProcess& process, const std::string& text, std::chrono::milliseconds timeout);

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  json json_body() const;
  std::string header(const std::string& name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = {}, const Headers& headers = {});

// Same, with "authorization: Bearer development" and a JSON content type when there is a body.
HttpResult api(std::uint16_t port, const std::string& method, const std::string& target,
               const std::string& body = {}, const std::string& token = "development");

struct WsClose {
  int code = 0;
  std::string reason;
};

class WsClient {
 public:
  // Connects and performs the WebSocket handshake on `path`; throws on failure.
  WsClient(std::uint16_t port, const std::string& path = "/socket/peer/websocket",
           const Headers& headers = {});
  void send_binary(const std::string& bytes);
  void send_text(const std::string& text);
  void ping();  // a control frame: proves liveness, carries nothing
  // Next data frame, or nullopt on close/timeout (then closed() tells the close frame). After a
  // timeout the client can no longer be used (timed_out() is true).
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until the server closes; returns its close frame (code 0 on timeout).
  WsClose read_until_close(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::optional<WsClose> closed() const { return closed_; }
  bool timed_out() const { return timed_out_; }
  void close();

 private:
  void set_timeout(std::chrono::milliseconds timeout);
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::optional<WsClose> closed_;
  bool timed_out_ = false;
};

// Peer-socket helpers built on the protobuf codecs.
std::string auth_request(const std::string& token);
std::string media_event(const json& event);
// Decodes a PeerMessage frame; returns {"authenticated"} or the media event JSON text.
std::optional<std::string> decode_media_event(const std::string& frame);
bool is_authenticated(const std::string& frame);
// The next frame as a media event; on anything else a JSON object {"unexpected": ...} describing
// what came instead, so that EXPECT_EQ(next_event(c), expected) prints something useful.
json next_event(WsClient& client, std::chrono::milliseconds timeout = std::chrono::seconds(3));
// Reads media events until one of type `type` arrives (skipping others), or a bounded failure.
json next_event_of_type(WsClient& client, const std::string& type,
                        std::chrono::milliseconds timeout = std::chrono::seconds(3));

// Reads media events until one of `type` arrives, top-level (the whole event) or custom (its
// inner data); null after `timeout`. Others are skipped.
json next_media_event(WsClient& client, const std::string& type,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
// {"type":"custom","data":{"type":<type>,"data":<data>}}, as the client SDK wraps negotiation.
json custom_event(const std::string& type, const json& data);
// The value of the first `a=<name>:` line of an SDP, or "".
std::string sdp_attribute(const std::string& sdp, const std::string& name);

// shoal_refused_total{reason="<reason>"} from the metrics endpoint; -1 when it is not listed.
double refused_total(std::uint16_t metrics_port, const std::string& reason);

// Creates a room (and optionally peers) through the REST API.
std::string create_room(std::uint16_t port, const json& body = json::object());
struct CreatedPeer {
  std::string id;
  std::string token;
};
CreatedPeer create_peer(std::uint16_t port, const std::string& room_id);

// A peer socket that has authenticated (and, with `metadata`, sent `connect`).
std::unique_ptr<WsClient> connect_peer(std::uint16_t port, const std::string& token);

}  // namespace shoal::test
