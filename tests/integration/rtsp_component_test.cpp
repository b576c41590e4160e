// RTSP components against real sources over real sockets: GStreamer's RTSP server (a live H264
// test pattern, parameter sets only in its SDP) and hand-written hostile ones. The component's
// video reaches a WebRTC subscriber like a peer's track, a lost source is reconnected, DELETE
// tears the session down, a source refusing UDP is read over TCP, and garbage or a non-H264
// source costs only the component. Every wait is bounded; every process and thread is ended.
#include "chrome_offer.hpp"
#include "harness.hpp"
#include "media_peer.hpp"
#include "rtc/rtp/h264_parameter_sets.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// tests/integration/rtsp_test_source.py in its own process; its output goes to a file.
class GstreamerSource {
 public:
  // `auth`: "basic" or "digest" with `user_password` ("user:password") required of every request.
  GstreamerSource(std::uint16_t port, bool tcp_only = false, const std::string& auth = "",
                  const std::string& user_password = "")
      : port_(port) {
    log_ = std::filesystem::temp_directory_path() /
           ("shoal-rtsp-source-" + std::to_string(::getpid()) + "-" + std::to_string(port) + "-" +
            std::to_string(Clock::now().time_since_epoch().count()) + ".log");
    const std::string script = std::string(SHOAL_SOURCE_DIR) + "/tests/integration/rtsp_test_source.py";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const std::string port_text = std::to_string(port);
      if (auth.empty()) {
        ::execl("/usr/bin/python3", "python3", script.c_str(), port_text.c_str(), tcp_only ? "tcp" : "udp",
                static_cast<char*>(nullptr));
      } else {
        ::execl("/usr/bin/python3", "python3", script.c_str(), port_text.c_str(), tcp_only ? "tcp" : "udp",
                auth.c_str(), user_password.c_str(), static_cast<char*>(nullptr));
      }
      ::_exit(127);
    }
    if (!wait_for([&] { return output().find("READY") != std::string::npos; }, 15s)) {
      throw std::runtime_error("RTSP test source did not start: " + output());
    }
  }
  ~GstreamerSource() {
    kill();
    std::filesystem::remove(log_);
  }
  GstreamerSource(const GstreamerSource&) = delete;
  GstreamerSource& operator=(const GstreamerSource&) = delete;

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string output() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::size_t count(const std::string& line) const {
    const std::string text = output();
    std::size_t n = 0;
    for (auto at = text.find(line + "\n"); at != std::string::npos; at = text.find(line + "\n", at + 1)) ++n;
    return n;
  }
  std::string uri(const std::string& userinfo = "") const {
    return "rtsp://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port_) + "/stream";
  }

 private:
  std::uint16_t port_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

// A TCP server on 127.0.0.1 that hands every connection to `serve` on its own thread; counts them.
class FakeSource {
 public:
  explicit FakeSource(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 8) != 0) {
      throw std::runtime_error("fake source cannot listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd ready{listener_, POLLIN, 0};
        if (::poll(&ready, 1, 50) <= 0) continue;
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) continue;
        ++connections_;
        serve_(fd);
        ::close(fd);
      }
    });
  }
  ~FakeSource() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  FakeSource(const FakeSource&) = delete;
  FakeSource& operator=(const FakeSource&) = delete;

  std::string uri() const { return "rtsp://127.0.0.1:" + std::to_string(port_) + "/cam"; }
  int connections() const { return connections_; }

 private:
  std::function<void(int)> serve_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
};

// Reads one request (up to its empty line, bounded) and returns its CSeq ("" if none came).
std::string read_request_cseq(int fd) {
  std::string request;
  char buffer[1024];
  const auto deadline = Clock::now() + 3s;
  while (request.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline && request.size() < 16384) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return "";
    request.append(buffer, static_cast<std::size_t>(n));
  }
  const auto at = request.find("CSeq: ");
  if (at == std::string::npos) return "";
  return request.substr(at + 6, request.find("\r\n", at) - at - 6);
}

void send_all(int fd, const std::string& text) { (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

std::string h264_recvonly_section(const std::string& mid) {
  return "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
         "c=IN IP4 0.0.0.0\r\n"
         "a=rtcp:9 IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:Vq3W\r\n"
         "a=ice-pwd:5X1Kq0m0cKzQ8aJq4R4Jc2Yt\r\n"
         "a=fingerprint:sha-256 4F:1A:22:9C:0B:7E:53:AA:10:FE:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16\r\n"
         "a=setup:actpass\r\n"
         "a=mid:" + mid + "\r\n"
         "a=recvonly\r\n"
         "a=rtcp-mux\r\n"
         "a=rtpmap:102 H264/90000\r\n"
         "a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
         "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";
}

std::string add_rtsp(std::uint16_t port, const std::string& room, const std::string& source_uri,
                     int keep_alive_interval_ms = 1000) {
  const std::string body = R"({"type":"rtsp","options":{"sourceUri":")" + source_uri + R"(","rtpPort":)" +
                           std::to_string(free_port()) + R"(,"reconnectDelay":300,"keepAliveInterval":)" +
                           std::to_string(keep_alive_interval_ms) + "}}";
  auto added = api(port, "POST", "/room/" + room + "/component", body);
  EXPECT_EQ(added.status, 201) << added.body;
  return added.status == 201 ? added.json_body()["data"]["id"].get<std::string>() : "";
}

// A subscriber that negotiates to receive the component's track and returns the RTP it gets
// within `window` (after its media connected).
struct ReceivedVideo {
  std::vector<Bytes> packets;
  std::string failure;
};
ReceivedVideo subscribe_to_component(MediaPeer& subscriber, const std::string& component_id,
                                     std::chrono::milliseconds window) {
  ReceivedVideo out;
  auto added = next_media_event(subscriber.socket(), "tracksAdded", 15s);
  if (added.is_null()) return {{}, "no tracksAdded"};
  if (added["data"]["endpointId"] != component_id) return {{}, "tracksAdded from " + added.dump()};
  auto types = subscriber.wait_offer_data(5s);
  if (types != json({{"audio", 0}, {"video", 1}})) return {{}, "offerData " + types.dump()};
  if (subscriber.offer(chrome::chrome_offer({"0"}, {h264_recvonly_section("0")})).empty()) return {{}, "no answer"};
  if (auto error = subscriber.connect_media(); !error.empty()) return {{}, "media: " + error};
  const auto deadline = Clock::now() + window;
  while (Clock::now() < deadline) {
    auto packet = subscriber.receive(500ms);
    if (packet && !packet->rtcp && packet->bytes.size() > 12) out.packets.push_back(packet->bytes);
  }
  return out;
}

// The H264 NAL unit type a packet's payload starts with (24: STAP-A, 28: FU-A).
int nal_type(const Bytes& rtp) { return rtp[12] & 0x1f; }

TEST(RtspComponent, PublishesTheSourceVideoAsATrackAndTearsDownOnDelete) {
  ShoalProcess shoal;
  GstreamerSource source(free_port());
  auto room = create_room(shoal.port(), {{"videoCodec", "h264"}});
  MediaPeer subscriber(shoal.port(), room);
  const auto component = add_rtsp(shoal.port(), room, source.uri());
  ASSERT_FALSE(component.empty());

  // As in the original, the component is an endpoint of the room for the peers.
  auto endpoint = next_media_event(subscriber.socket(), "endpointAdded", 5s);
  EXPECT_EQ(endpoint["data"]["id"], component);
  EXPECT_EQ(endpoint["data"]["type"], "rtsp");

  auto video = subscribe_to_component(subscriber, component, 4s);
  ASSERT_TRUE(video.failure.empty()) << video.failure << "\n" << shoal.output();
  ASSERT_GE(video.packets.size(), 20u) << shoal.output();
  // The subscriber starts at a keyframe, and the first thing it gets are the parameter sets the
  // source announced only in its SDP: a STAP-A holding the SPS, then the IDR. (Only the source's
  // first IDR has them in band too, as separate packets; a subscriber starting there gets the SPS
  // packet first.)
  ASSERT_GT(video.packets.front().size(), 16u);
  const std::uint32_t first_types = rtc::rtp::h264_nal_types(std::span(video.packets.front()).subspan(12));
  EXPECT_NE(first_types & (1u << 7), 0u) << "NAL type of the first packet: " << nal_type(video.packets.front());
  bool idr = false;
  for (const auto& packet : video.packets) {
    idr |= nal_type(packet) == 5 || (nal_type(packet) == 28 && packet.size() > 13 && (packet[13] & 0x1f) == 5);
  }
  EXPECT_TRUE(idr);
  // Sequence numbers run without gaps across the inserted packets.
  for (std::size_t i = 1; i < std::min<std::size_t>(video.packets.size(), 10); ++i) {
    EXPECT_EQ(static_cast<std::uint16_t>(sequence_number_of(video.packets[i - 1]) + 1),
              sequence_number_of(video.packets[i]));
  }

  auto listed = api(shoal.port(), "GET", "/room/" + room).json_body()["data"]["components"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], json({{"id", component}, {"type", "rtsp"}, {"metadata", json::object()}}));

  ASSERT_EQ(api(shoal.port(), "DELETE", "/room/" + room + "/component/" + component).status, 204);
  EXPECT_TRUE(wait_for([&] { return source.count("TEARDOWN") == 1; }, 5s)) << source.output();
  auto removed = next_media_event(subscriber.socket(), "endpointRemoved", 5s);
  EXPECT_EQ(removed["data"]["id"], component);
}

// The first picture of an fMP4 header + segment, decoded by ffmpeg to 8-bit gray ("" on failure).
std::string first_gray_picture(const std::filesystem::path& header, const std::filesystem::path& segment) {
  const auto joined = std::filesystem::temp_directory_path() / ("shoal-rtsp-hls-" + std::to_string(::getpid()) + ".mp4");
  {
    std::ofstream out(joined, std::ios::binary);
    for (const auto& part : {header, segment}) out << std::ifstream(part, std::ios::binary).rdbuf();
  }
  const std::string command = "ffmpeg -v error -i '" + joined.string() + "' -frames:v 1 -f rawvideo -pix_fmt gray - 2>/dev/null";
  std::string picture;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[65536];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) picture.append(buffer, n);
    ::pclose(pipe);
  }
  std::filesystem::remove(joined);
  return picture;
}

TEST(RtspComponent, TheHlsComponentShowsTheSourceVideo) {
  const auto output = std::filesystem::temp_directory_path() / ("shoal-rtsp-hls-out-" + std::to_string(::getpid()));
  ShoalProcess shoal(Env{{"JF_OUTPUT_BASE_PATH", output.string()}});
  GstreamerSource source(free_port());
  auto room = create_room(shoal.port(), {{"videoCodec", "h264"}});
  ASSERT_EQ(api(shoal.port(), "POST", "/room/" + room + "/component", R"({"type":"hls"})").status, 201);
  add_rtsp(shoal.port(), room, source.uri());
  const auto directory = output / "hls_output" / room;
  // The broadcast writes a segment only once it has a track: the source's.
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(directory / "muxed_segment_1.m4s"); }, 25s))
      << shoal.output();
  const std::string picture = first_gray_picture(directory / "muxed_header.mp4", directory / "muxed_segment_1.m4s");
  ASSERT_FALSE(picture.empty());
  // The test pattern is a white ball on black: the source's pictures, not an empty canvas.
  const auto brightest = *std::max_element(picture.begin(), picture.end(),
                                           [](char a, char b) { return static_cast<unsigned char>(a) < static_cast<unsigned char>(b); });
  EXPECT_GT(static_cast<unsigned char>(brightest), 200);
  std::filesystem::remove_all(output);
}

TEST(RtspComponent, ReconnectsAfterTheSourceComesBack) {
  ShoalProcess shoal;
  const auto port = free_port();
  auto source = std::make_unique<GstreamerSource>(port);
  auto room = create_room(shoal.port());
  const auto component = add_rtsp(shoal.port(), room, source->uri());
  ASSERT_TRUE(wait_for([&] { return source->count("PLAY") == 1; }, 10s)) << source->output() << shoal.output();
  source->kill();
  ASSERT_TRUE(output_contains(shoal, "reconnecting in 300 ms", 5s)) << shoal.output();
  std::this_thread::sleep_for(1s);  // a few refused attempts meanwhile
  source = std::make_unique<GstreamerSource>(port);
  EXPECT_TRUE(wait_for([&] { return source->count("PLAY") == 1; }, 10s)) << source->output() << shoal.output();
  // A newcomer sees the component's track of the new session.
  MediaPeer late(shoal.port(), room);
  auto added = next_media_event(late.socket(), "tracksAdded", 5s);
  EXPECT_EQ(added["data"]["endpointId"], component);
  EXPECT_EQ(api(shoal.port(), "GET", "/room/" + room).json_body()["data"]["components"].size(), 1u);
}

TEST(RtspComponent, ReadsRtpInterleavedOverTcpWhenTheSourceRefusesUdp) {
  ShoalProcess shoal;
  GstreamerSource source(free_port(), /*tcp_only=*/true);
  auto room = create_room(shoal.port(), {{"videoCodec", "h264"}});
  MediaPeer subscriber(shoal.port(), room);
  const auto component = add_rtsp(shoal.port(), room, source.uri());
  auto video = subscribe_to_component(subscriber, component, 3s);
  ASSERT_TRUE(video.failure.empty()) << video.failure << "\n" << shoal.output();
  EXPECT_GE(video.packets.size(), 20u) << shoal.output();
  EXPECT_NE(shoal.output().find("retrying with RTP interleaved over TCP"), std::string::npos);
}

// Cameras ask for credentials; they come from the sourceUri (user:password@), never show in
// the logs, and every request of the session (TEARDOWN too) carries them.
TEST(RtspComponent, AnswersDigestAndBasicChallengesWithTheUriCredentials) {
  for (const std::string scheme : {"digest", "basic"}) {
    SCOPED_TRACE(scheme);
    ShoalProcess shoal;
    GstreamerSource source(free_port(), false, scheme, "alice:s3cr%t");
    auto room = create_room(shoal.port(), {{"videoCodec", "h264"}});
    MediaPeer subscriber(shoal.port(), room);
    const auto component = add_rtsp(shoal.port(), room, source.uri("alice:s3cr%25t"));
    auto video = subscribe_to_component(subscriber, component, 2s);
    ASSERT_TRUE(video.failure.empty()) << video.failure << "\n" << shoal.output() << source.output();
    EXPECT_GE(video.packets.size(), 10u);
    ASSERT_EQ(api(shoal.port(), "DELETE", "/room/" + room + "/component/" + component).status, 204);
    EXPECT_TRUE(wait_for([&] { return source.count("TEARDOWN") == 1; }, 5s)) << source.output();
    EXPECT_EQ(shoal.output().find("s3cr"), std::string::npos) << shoal.output();
  }
}

// A 401 is a failed attempt like a refused connection: retried after reconnectDelay, forever,
// with the reason in the log.
TEST(RtspComponent, RefusedOrMissingCredentialsAreFailedAttemptsAndRetried) {
  ShoalProcess shoal;
  GstreamerSource source(free_port(), false, "digest", "alice:s3cret");
  auto room = create_room(shoal.port());
  add_rtsp(shoal.port(), room, source.uri("alice:wrong-password"));
  add_rtsp(shoal.port(), room, source.uri());
  const auto occurrences = [&](const std::string& text) {
    const std::string output = shoal.output();
    std::size_t n = 0;
    for (auto at = output.find(text); at != std::string::npos; at = output.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_TRUE(wait_for([&] { return occurrences("the source refused the credentials); reconnecting in 300 ms") >= 2; }, 10s))
      << shoal.output();
  EXPECT_TRUE(wait_for([&] { return occurrences("the source requires credentials") >= 2; }, 10s)) << shoal.output();
  EXPECT_EQ(source.count("PLAY"), 0u);
  EXPECT_EQ(shoal.output().find("wrong-password"), std::string::npos);
  EXPECT_EQ(api(shoal.port(), "GET", "/room/" + room).json_body()["data"]["components"].size(), 2u);
}

TEST(RtspComponent, AGarbageSourceCostsOnlyTheComponentAndIsRetried) {
  ShoalProcess shoal;
  FakeSource garbage([](int fd) {
    (void)read_request_cseq(fd);
    // Binary junk (a TLS ClientHello's first bytes, NULs included) ending like a header section.
    send_all(fd, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not rtsp at all\r\n\r\n"s);
  });
  auto room = create_room(shoal.port());
  MediaPeer bystander(shoal.port(), room);
  const auto component = add_rtsp(shoal.port(), room, garbage.uri());
  // Retried after reconnectDelay, as the original retries a failed connection forever.
  EXPECT_TRUE(wait_for([&] { return garbage.connections() >= 3; }, 10s)) << shoal.output();
  EXPECT_TRUE(output_contains(shoal, "malformed data from the source", 1s)) << shoal.output();
  const auto state = api(shoal.port(), "GET", "/room/" + room);
  ASSERT_EQ(state.status, 200);
  EXPECT_EQ(state.json_body()["data"]["components"].size(), 1u);
  EXPECT_EQ(state.json_body()["data"]["peers"][0]["status"], "connected");
  // The peer's signalling still works: a negotiation round with nothing to receive.
  EXPECT_EQ(bystander.request_offer_data(), json({{"audio", 0}, {"video", 0}}));
  EXPECT_EQ(api(shoal.port(), "DELETE", "/room/" + room + "/component/" + component).status, 204);
}

TEST(RtspComponent, AStallingSourceIsGivenUpOnAndRetried) {
  ShoalProcess shoal;
  FakeSource silent([](int fd) {
    (void)read_request_cseq(fd);
    // Never answer; hold the connection until the client gives up on it (bounded).
    pollfd closed{fd, POLLIN, 0};
    char byte;
    const auto deadline = Clock::now() + 15s;
    while (Clock::now() < deadline) {
      if (::poll(&closed, 1, 100) > 0 && ::recv(fd, &byte, 1, 0) <= 0) return;
    }
  });
  auto room = create_room(shoal.port());
  add_rtsp(shoal.port(), room, silent.uri());
  // The response timeout is 10 s; then a new attempt after reconnectDelay.
  EXPECT_TRUE(wait_for([&] { return silent.connections() >= 2; }, 14s)) << shoal.output();
  EXPECT_NE(shoal.output().find("DESCRIBE got no response"), std::string::npos) << shoal.output();
  EXPECT_EQ(api(shoal.port(), "GET", "/room/" + room).status, 200);
}

// A scripted source that plays an H264 stream: DESCRIBE gets its SDP, SETUP the session with
// `setup_headers` (e.g. its Transport), every later request a 200 with the session; until
// `duration` passed or `stop` is set. `on_request(n)` sees the n-th request (0: DESCRIBE).
void serve_playing_source(int fd, const std::string& setup_headers, std::chrono::milliseconds duration,
                          const std::atomic<bool>& stop, const std::function<void(int)>& on_request = {}) {
  const std::string sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
                          "a=rtpmap:96 H264/90000\r\na=control:track1\r\n";
  const auto deadline = Clock::now() + duration;
  for (int request = 0; !stop && Clock::now() < deadline; ++request) {
    const auto cseq = read_request_cseq(fd);
    if (cseq.empty()) continue;
    if (on_request) on_request(request);
    std::string headers = "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\n";
    if (request == 0) {
      send_all(fd, headers + "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
    } else if (request == 1) {
      send_all(fd, headers + setup_headers + "\r\n");
    } else {
      send_all(fd, headers + "Session: 4711\r\n\r\n");
    }
  }
}

TEST(RtspComponent, KeepAlivesComeWithinTheSessionTimeoutOfTheSource) {
  ShoalProcess shoal;
  std::atomic<int> keep_alives{0};
  const std::atomic<bool> never{false};
  // DESCRIBE, SETUP (a 2 s session timeout), PLAY, then keep-alives: answered until 4 s passed.
  FakeSource source([&](int fd) {
    serve_playing_source(fd, "Session: 4711;timeout=2\r\nTransport: RTP/AVP;unicast;server_port=9-10\r\n", 4s, never,
                         [&](int request) { keep_alives += request >= 3 ? 1 : 0; });
  });
  auto room = create_room(shoal.port());
  add_rtsp(shoal.port(), room, source.uri(), 15000);
  // Every second (half the timeout), not every 15 s.
  EXPECT_TRUE(wait_for([&] { return keep_alives >= 2; }, 4s)) << shoal.output();
}

// A UDP socket bound to a free port of 127.0.0.1, closed at the end.
struct UdpSocket {
  UdpSocket() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~UdpSocket() { ::close(fd); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  int fd = -1;
  std::uint16_t port = 0;
};

// RFC 3550 §6: the component reports on the source's stream to the source's RTCP port (the
// second port of SETUP's server_port), about once a second.
TEST(RtspComponent, SendsReceiverReportsToTheSource) {
  ShoalProcess shoal;
  UdpSocket rtp_out, rtcp_in;
  std::atomic<bool> finished{false};
  FakeSource source([&](int fd) {
    serve_playing_source(fd,
                         "Session: 4711\r\nTransport: RTP/AVP;unicast;server_port=" + std::to_string(rtp_out.port) +
                             "-" + std::to_string(rtcp_in.port) + "\r\n",
                         8s, finished);
  });
  auto room = create_room(shoal.port());
  const std::uint16_t rtp_port = free_port();
  auto added = api(shoal.port(), "POST", "/room/" + room + "/component",
                   R"({"type":"rtsp","options":{"sourceUri":")" + source.uri() + R"(","rtpPort":)" +
                       std::to_string(rtp_port) + "}}");
  ASSERT_EQ(added.status, 201) << added.body;

  // The source's stream: an IDR, then P slices, every 20 ms, until a report about it arrives.
  sockaddr_in component{};
  component.sin_family = AF_INET;
  component.sin_port = htons(rtp_port);
  component.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Bytes report;
  const auto deadline = Clock::now() + 7s;
  for (std::uint16_t seq = 0; report.empty() && Clock::now() < deadline; ++seq) {
    Bytes packet{0x80, 96, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq), 0, 0, 0, 0,
                 0x11, 0x22, 0x33, 0x44, static_cast<std::uint8_t>(seq == 0 ? 0x65 : 0x41), 0x88, 0x80};
    ::sendto(rtp_out.fd, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&component), sizeof component);
    pollfd readable{rtcp_in.fd, POLLIN, 0};
    if (::poll(&readable, 1, 20) == 1) {
      Bytes datagram(1500);
      const auto size = ::recv(rtcp_in.fd, datagram.data(), datagram.size(), 0);
      if (size >= 32 && datagram[1] == 201) report.assign(datagram.begin(), datagram.begin() + size);
    }
  }
  ASSERT_FALSE(report.empty()) << "no receiver report reached the source's RTCP port\n" << shoal.output();
  EXPECT_GE(report[0] & 0x1f, 1) << "no report block";
  // The block is about the source's SSRC and has lost nothing.
  EXPECT_EQ(Bytes(report.begin() + 8, report.begin() + 12), (Bytes{0x11, 0x22, 0x33, 0x44}));
  EXPECT_EQ(report[12], 0) << "fraction lost";
  finished = true;
}

TEST(RtspComponent, ANonH264SourceCrashesTheComponent) {
  ShoalProcess shoal;
  FakeSource vp8([](int fd) {
    const auto cseq = read_request_cseq(fd);
    const std::string sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 97\r\n"
                            "a=rtpmap:97 VP8/90000\r\na=control:track1\r\n";
    send_all(fd, "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nContent-Type: application/sdp\r\nContent-Length: " +
                     std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
    std::this_thread::sleep_for(200ms);
  });
  auto room = create_room(shoal.port());
  const auto component = add_rtsp(shoal.port(), room, vp8.uri());
  EXPECT_TRUE(output_contains(shoal, "Component \"" + component + "\" of room \"" + room + "\" crashed", 5s))
      << shoal.output();
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(vp8.connections(), 1) << "a crashed component does not reconnect";
  EXPECT_EQ(api(shoal.port(), "GET", "/room/" + room).json_body()["data"]["components"].size(), 1u);
}

}  // namespace
}  // namespace shoal::test
