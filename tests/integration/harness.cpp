#include "harness.hpp"

#include "signaling/peer_message.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace shoal::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

#ifndef SHOAL_BINARY
#define SHOAL_BINARY "build/shoal"
#endif

// A port the kernel never hands out by itself: ports from the ephemeral range (bind to port 0)
// race with every socket the servers under test bind to port 0 themselves (distribution
// listeners, outgoing connections) between this check and their own bind.
std::uint16_t free_port() {
  static std::mt19937 rng{std::random_device{}()};
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  asio::io_context ioc;
  if (ephemeral_low > 12000) {
    std::uniform_int_distribution<int> below_ephemeral(10000, ephemeral_low - 1);
    for (int attempt = 0; attempt < 200; ++attempt) {
      const auto port = static_cast<std::uint16_t>(below_ephemeral(rng));
      tcp::acceptor acceptor(ioc);
      boost::system::error_code ec;
      acceptor.open(tcp::v4(), ec);
      if (!ec) acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
      if (!ec) return port;
    }
  }
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

namespace {

// A "<field>: <n> kB" line of /proc/<pid>/status, or -1.
long status_kb(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

}  // namespace

long resident_kb(pid_t pid) { return status_kb(pid, "VmRSS"); }
long peak_resident_kb(pid_t pid) { return status_kb(pid, "VmHWM"); }

void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int connect_from(const char* source, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool output_contains(const ShoalProcess& process, const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (process.output().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return process.output().find(text) != std::string::npos;
}

namespace {

std::string temp_log_path() {
  char path[] = "/tmp/shoal-test-XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// How a sanitized build of shoal reports: a report is a failure of the test whatever else happens,
// so UBSan goes on after one (the rest of the test still runs) and ASan's leak check runs at exit.
// A build without sanitizers ignores these.
constexpr const char* kSanitizerDefaults[][2] = {
    {"ASAN_OPTIONS", "detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1"},
    {"UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=0"},
};

// Forks shoal with a clean environment holding only `env` (plus PATH/HOME/LANG and the sanitizer
// options unless `env` sets them) and output to `log`.
pid_t spawn(const Env& env, const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> env_strings;
  for (const char* keep : {"PATH", "HOME", "LANG"}) {
    if (env.count(keep)) continue;  // the test's own value wins
    if (const char* v = std::getenv(keep)) env_strings.push_back(std::string(keep) + "=" + v);
  }
  for (const auto& [name, value] : kSanitizerDefaults) {
    if (env.count(name)) continue;
    const char* own = std::getenv(name);
    env_strings.push_back(std::string(name) + "=" + (own ? own : value));
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{shoal_binary()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout`; returns the exit code, or nullopt if still running.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool port_open(std::uint16_t port) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

void set_socket_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Fails the running test with every sanitizer report in `output` (a process's own log).
void expect_no_sanitizer_report(const std::string& output, pid_t pid) {
  static constexpr std::string_view kMarkers[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                                  "WARNING: AddressSanitizer", "runtime error:",
                                                  "SUMMARY: UndefinedBehaviorSanitizer"};
  for (auto marker : kMarkers) {
    const auto at = output.find(marker);
    if (at == std::string::npos) continue;
    const auto line_start = output.rfind('\n', at);
    const auto from = line_start == std::string::npos ? 0 : line_start + 1;
    ADD_FAILURE() << "sanitizer report from shoal (pid " << pid << "):\n" << output.substr(from, 100000);
    return;
  }
}

}  // namespace

namespace {

const char* env_or_null(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

const char* shoal_binary() {
  if (const char* sanitized = env_or_null("SHOAL_TEST_SANITIZED_BINARY")) return sanitized;
  if (const char* chosen = env_or_null("SHOAL_TEST_BINARY")) return chosen;
  return SHOAL_BINARY;
}

bool memory_is_measurable() { return env_or_null("SHOAL_TEST_SANITIZED_BINARY") == nullptr; }

std::chrono::milliseconds load_budget(std::chrono::milliseconds release_budget) {
  // ASan and UBSan make the server several times slower; only load tests need to know.
  return env_or_null("SHOAL_TEST_SANITIZED_BINARY") ? release_budget * 4 : release_budget;
}

ExitResult run_shoal_to_exit(const Env& env, const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
  auto log = temp_log_path();
  pid_t pid = spawn(env, args, log);
  ExitResult result;
  auto code = wait_exit(pid, timeout);
  if (!code) {
    kill(pid, SIGKILL);
    wait_exit(pid, std::chrono::seconds(5));
  }
  result.exit_code = code.value_or(-1);
  result.output = read_file(log);
  unlink(log.c_str());
  expect_no_sanitizer_report(result.output, pid);
  return result;
}

ShoalProcess::ShoalProcess(Env env, std::vector<std::string> args) {
  if (!env.count("JF_PORT")) env["JF_PORT"] = std::to_string(free_port());
  if (!env.count("JF_METRICS_PORT")) env["JF_METRICS_PORT"] = std::to_string(free_port());
  port_ = static_cast<std::uint16_t>(std::atoi(env["JF_PORT"].c_str()));
  metrics_port_ = static_cast<std::uint16_t>(std::atoi(env["JF_METRICS_PORT"].c_str()));
  log_path_ = temp_log_path();
  pid_ = spawn(env, args, log_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!port_open(port_)) {
    if (!running() || std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("shoal did not start:\n" + output());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ShoalProcess::~ShoalProcess() {
  if (pid_ > 0 && exit_code_ == -1) terminate();
  expect_no_sanitizer_report(output(), pid_);
  unlink(log_path_.c_str());
}

bool ShoalProcess::running() {
  if (exit_code_ != -1) return false;
  if (auto code = wait_exit(pid_, std::chrono::milliseconds(0))) {
    exit_code_ = *code;
    return false;
  }
  return true;
}

int ShoalProcess::terminate(std::chrono::milliseconds timeout) {
  if (!running()) return exit_code_;
  kill(pid_, SIGTERM);
  if (auto code = wait_exit(pid_, timeout)) {
    exit_code_ = *code;
    return exit_code_;
  }
  kill(pid_, SIGKILL);
  wait_exit(pid_, std::chrono::seconds(5));
  exit_code_ = 137;
  return -1;
}

std::string ShoalProcess::output() const { return read_file(log_path_); }

json HttpResult::json_body() const {
  auto parsed = json::parse(body, nullptr, false);
  return parsed;
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string{} : it->second;
}

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, const Headers& headers) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  set_socket_timeout(socket.native_handle(), std::chrono::seconds(10));
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) request.insert(k, v);
  request.body() = body;
  if (!body.empty() || method == "POST") request.prepare_payload();
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  if (method == "HEAD") parser.skip(true);
  http::read(socket, buffer, parser);
  auto& response = parser.get();
  HttpResult result;
  result.status = static_cast<int>(response.result_int());
  result.body = response.body();
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  return result;
}

HttpResult api(std::uint16_t port, const std::string& method, const std::string& target,
               const std::string& body, const std::string& token) {
  Headers headers{{"authorization", "Bearer " + token}};
  if (!body.empty()) headers.emplace_back("content-type", "application/json");
  return http_request(port, method, target, body, headers);
}

WsClient::WsClient(std::uint16_t port, const std::string& path, const Headers& headers) : ws_(ioc_) {
  ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  set_timeout(std::chrono::seconds(10));
  ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [k, v] : headers) request.set(k, v);
  }));
  ws_.handshake("127.0.0.1:" + std::to_string(port), path);
  ws_.binary(true);
}

void WsClient::set_timeout(std::chrono::milliseconds timeout) {
  set_socket_timeout(ws_.next_layer().native_handle(), timeout);
}

void WsClient::send_binary(const std::string& bytes) {
  ws_.binary(true);
  ws_.write(asio::buffer(bytes));
}

void WsClient::ping() { ws_.ping({}); }

void WsClient::send_text(const std::string& text) {
  ws_.text(true);
  ws_.write(asio::buffer(text));
  ws_.binary(true);
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  // Asynchronous read bounded by run_for: a blocking read would wait forever (Asio polls again
  // after SO_RCVTIMEO expires).
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  bool done = false;
  ws_.async_read(buffer, [&](boost::system::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  ioc_.restart();
  ioc_.run_for(timeout);
  if (!done) {
    boost::system::error_code ignored;
    ws_.next_layer().cancel(ignored);
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(1));
    timed_out_ = true;  // a cancelled WebSocket read leaves the stream unusable
    return std::nullopt;
  }
  if (ec == websocket::error::closed) {
    closed_ = WsClose{ws_.reason().code, std::string(ws_.reason().reason.c_str())};
    return std::nullopt;
  }
  if (ec) {
    closed_ = WsClose{-1, ec.message()};
    return std::nullopt;
  }
  return beast::buffers_to_string(buffer.data());
}

WsClose WsClient::read_until_close(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || timed_out_) return WsClose{0, "timeout"};
    read(left);
  }
  return *closed_;
}

void WsClient::close() {
  boost::system::error_code ec;
  set_timeout(std::chrono::seconds(2));
  ws_.close(websocket::close_code::normal, ec);
}

std::string auth_request(const std::string& token) { return signaling::encode_auth_request(token); }

std::string media_event(const json& event) { return signaling::encode_media_event(event.dump()); }

std::optional<std::string> decode_media_event(const std::string& frame) {
  auto message = signaling::decode_peer_message(frame);
  if (!message) return std::nullopt;
  if (auto* event = std::get_if<signaling::MediaEventMessage>(&*message)) return event->data;
  return std::nullopt;
}

bool is_authenticated(const std::string& frame) {
  auto message = signaling::decode_peer_message(frame);
  return message && std::holds_alternative<signaling::AuthenticatedMessage>(*message);
}

std::string create_room(std::uint16_t port, const json& body) {
  auto result = api(port, "POST", "/room", body.dump());
  if (result.status != 201) throw std::runtime_error("create room failed: " + result.body);
  return result.json_body()["data"]["room"]["id"].get<std::string>();
}

CreatedPeer create_peer(std::uint16_t port, const std::string& room_id) {
  auto result = api(port, "POST", "/room/" + room_id + "/peer", R"({"type":"webrtc"})");
  if (result.status != 201) throw std::runtime_error("create peer failed: " + result.body);
  auto data = result.json_body()["data"];
  return {data["peer"]["id"].get<std::string>(), data["token"].get<std::string>()};
}

std::unique_ptr<WsClient> connect_peer(std::uint16_t port, const std::string& token) {
  auto client = std::make_unique<WsClient>(port);
  client->send_binary(auth_request(token));
  auto frame = client->read();
  if (!frame || !is_authenticated(*frame)) {
    auto closed = client->closed();
    throw std::runtime_error("peer did not authenticate: " +
                             (closed ? std::to_string(closed->code) + " " + closed->reason
                                     : std::string(frame ? "unexpected frame" : "no answer")));
  }
  return client;
}

json next_event(WsClient& client, std::chrono::milliseconds timeout) {
  auto frame = client.read(timeout);
  if (!frame) {
    auto closed = client.closed();
    if (!closed) return {{"unexpected", "timeout"}};
    return {{"unexpected", "closed"}, {"code", closed->code}, {"reason", closed->reason}};
  }
  if (is_authenticated(*frame)) return {{"unexpected", "authenticated"}};
  auto text = decode_media_event(*frame);
  if (!text) return {{"unexpected", "undecodable frame"}, {"size", frame->size()}};
  auto parsed = json::parse(*text, nullptr, false);
  if (parsed.is_discarded()) return {{"unexpected", "invalid JSON"}, {"text", *text}};
  return parsed;
}

json next_event_of_type(WsClient& client, const std::string& type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {{"unexpected", "timeout waiting for " + type}};
    auto event = next_event(client, left);
    if (event.contains("unexpected") || event.value("type", "") == type) return event;
  }
}

json next_media_event(WsClient& client, const std::string& type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = client.read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!frame) break;
    auto text = decode_media_event(*frame);
    if (!text) continue;
    auto event = json::parse(*text, nullptr, false);
    if (event.is_discarded()) continue;
    if (event.value("type", "") == type) return event;
    if (event.value("type", "") == "custom" && event["data"].value("type", "") == type) return event["data"]["data"];
  }
  return nullptr;
}

double refused_total(std::uint16_t metrics_port, const std::string& reason) {
  const auto body = http_request(metrics_port, "GET", "/metrics").body;
  const std::string series = "shoal_refused_total{reason=\"" + reason + "\"} ";
  const auto at = body.find(series);
  return at == std::string::npos ? -1 : std::atof(body.c_str() + at + series.size());
}

json custom_event(const std::string& type, const json& data) {
  return {{"type", "custom"}, {"data", {{"type", type}, {"data", data}}}};
}

std::string sdp_attribute(const std::string& sdp, const std::string& name) {
  std::istringstream lines(sdp);
  std::string line;
  const std::string prefix = "a=" + name + ":";
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return {};
}

}  // namespace shoal::test
