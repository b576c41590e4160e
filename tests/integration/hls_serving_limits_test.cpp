// GET /hls needs no token, so what it costs the server is bounded for anyone: files are sent
// from disk in chunks (a slow reader holds a socket buffer, not the file), and blocking
// playlist reloads are woken by the stream instead of polling. Real binary, real sockets.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

// A client that sends one request and then reads nothing.
int send_without_reading(std::uint16_t port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string request = "GET " + target + " HTTP/1.1\r\nhost: x\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  return fd;
}

TEST(HlsServingLimits, SlowReadersOfABigSegmentDoNotMakeTheServerHoldIt) {
  const auto output = std::filesystem::temp_directory_path() / ("shoal-hls-limits-" + std::to_string(::getpid()));
  std::filesystem::create_directories(output);
  ShoalProcess shoal(Env{{"JF_OUTPUT_BASE_PATH", output.string()}});
  auto room = create_room(shoal.port());
  const auto dir = output / "hls_output" / room;
  std::filesystem::create_directories(dir);
  constexpr std::size_t kSize = 48u << 20;
  {
    std::ofstream segment(dir / "muxed_segment_0_g.m4s", std::ios::binary);
    std::string chunk(1 << 20, '\0');
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 31);
    for (std::size_t written = 0; written < kSize; written += chunk.size()) segment << chunk;
  }
  const long rss_before = resident_kb(shoal.pid());
  std::vector<int> readers;
  for (int i = 0; i < 16; ++i) readers.push_back(send_without_reading(shoal.port(), "/hls/" + room + "/muxed_segment_0_g.m4s"));
  std::this_thread::sleep_for(1s);  // every request answered as far as the sockets take
  const long grown = resident_kb(shoal.pid()) - rss_before;
  if (memory_is_measurable()) {
    EXPECT_LT(grown, 64 * 1024) << "kB held for 16 stalled downloads of a 48 MB file";
  }
  for (int fd : readers) ::close(fd);

  // A reader that reads gets the whole file, with the right type and length.
  auto whole = http_request(shoal.port(), "GET", "/hls/" + room + "/muxed_segment_0_g.m4s");
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), kSize);
  EXPECT_EQ(whole.header("content-type"), "video/mp4");
  EXPECT_EQ(static_cast<unsigned char>(whole.body[12345]), static_cast<unsigned char>(12345 * 31));
  auto head = http_request(shoal.port(), "HEAD", "/hls/" + room + "/muxed_segment_0_g.m4s");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(kSize));
  EXPECT_TRUE(head.body.empty());
  EXPECT_TRUE(shoal.running()) << shoal.output();
  std::filesystem::remove_all(output);
}

}  // namespace
}  // namespace shoal::test
