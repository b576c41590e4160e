// What an HLS component leaves on disk: its output is deleted when the component or its room
// goes, unless it was created with "persistent": true; it stops (ComponentCrashed) rather than
// fill the output's filesystem; and its window option is validated. Real binary.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class HlsOutputLifecycle : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(output_); }
  void TearDown() override { std::filesystem::remove_all(output_); }
  std::filesystem::path room_dir(const std::string& room) const { return output_ / "hls_output" / room; }
  std::string add_hls(std::uint16_t port, const std::string& room, const std::string& options) {
    auto added = api(port, "POST", "/room/" + room + "/component", R"({"type":"hls","options":)" + options + "}");
    EXPECT_EQ(added.status, 201) << added.body;
    return added.status == 201 ? added.json_body()["data"]["id"].get<std::string>() : "";
  }
  const std::filesystem::path output_ =
      std::filesystem::temp_directory_path() / ("shoal-hls-output-" + std::to_string(::getpid()));
};

TEST_F(HlsOutputLifecycle, OutputIsDeletedWithItsComponentOrRoomUnlessPersistent) {
  ShoalProcess shoal(Env{{"JF_OUTPUT_BASE_PATH", output_.string()}});
  const auto header = [&](const std::string& room) { return room_dir(room) / "muxed_header.mp4"; };

  auto removed = create_room(shoal.port(), {{"videoCodec", "h264"}});
  auto component = add_hls(shoal.port(), removed, "{}");
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(header(removed)); }));
  ASSERT_EQ(api(shoal.port(), "DELETE", "/room/" + removed + "/component/" + component).status, 204);
  EXPECT_TRUE(wait_for([&] { return !std::filesystem::exists(room_dir(removed)); }));

  auto deleted_room = create_room(shoal.port(), {{"videoCodec", "h264"}});
  add_hls(shoal.port(), deleted_room, R"({"lowLatency":true})");
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(header(deleted_room)); }));
  ASSERT_EQ(api(shoal.port(), "DELETE", "/room/" + deleted_room).status, 204);
  EXPECT_TRUE(wait_for([&] { return !std::filesystem::exists(room_dir(deleted_room)); }));

  auto kept = create_room(shoal.port(), {{"videoCodec", "h264"}});
  add_hls(shoal.port(), kept, R"({"persistent":true,"targetWindowDuration":60})");
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(header(kept)); }));
  ASSERT_EQ(api(shoal.port(), "DELETE", "/room/" + kept).status, 204);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(std::filesystem::exists(header(kept))) << "persistent output stays";
}

TEST_F(HlsOutputLifecycle, AComponentStopsRatherThanFillTheDisk) {
  // No filesystem here has an exabyte free: the guard trips at once.
  ShoalProcess shoal(Env{{"JF_OUTPUT_BASE_PATH", output_.string()}, {"JF_HLS_MIN_FREE_DISK_MB", "999999999"}});
  auto room = create_room(shoal.port(), {{"videoCodec", "h264"}});
  add_hls(shoal.port(), room, "{}");
  EXPECT_TRUE(wait_for([&] { return shoal.output().find("MB kept free (JF_HLS_MIN_FREE_DISK_MB)") != std::string::npos; }))
      << shoal.output();
  EXPECT_FALSE(std::filesystem::exists(room_dir(room) / "muxed_header.mp4"));
  EXPECT_EQ(api(shoal.port(), "GET", "/room/" + room).json_body()["data"]["components"].size(), 1u)
      << "a crashed component stays listed, as in the original";
}

TEST_F(HlsOutputLifecycle, WindowAndPersistenceOptionsAreValidated) {
  ShoalProcess shoal(Env{{"JF_OUTPUT_BASE_PATH", output_.string()}});
  auto room = create_room(shoal.port(), {{"videoCodec", "h264"}});
  for (const char* options : {R"({"targetWindowDuration":5})", R"({"targetWindowDuration":"x"})",
                              R"({"persistent":"maybe"})"}) {
    auto result = api(shoal.port(), "POST", "/room/" + room + "/component",
                      std::string(R"({"type":"hls","options":)") + options + "}");
    EXPECT_EQ(result.status, 400) << options;
    EXPECT_EQ(result.json_body()["errors"], "Invalid request body structure") << options;
  }
  add_hls(shoal.port(), room, R"({"targetWindowDuration":null})");
}

TEST(HlsConfig, BadFreeDiskValuesStopStartUp) {
  auto result = run_shoal_to_exit({{"JF_HLS_MIN_FREE_DISK_MB", "lots"}}, {"--dev"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("Bad JF_HLS_MIN_FREE_DISK_MB environment variable value. Expected a number of "
                               "megabytes, got: lots"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace shoal::test
