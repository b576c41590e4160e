// JF_LOG_FORMAT=json: the line format, its escaping, and the room/peer/component fields set for
// one line (logging::info & co.) or for a block (logging::Scope).
#include "log/json_formatter.hpp"
#include "log/log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shoal::logging {
namespace {

using nlohmann::json;
using namespace std::chrono;

const system_clock::time_point kNoon = sys_days{year{2026} / January / 31} + hours(12) + milliseconds(123);

json parse(const std::string& line) {
  // Throws (failing the test) on anything that is not one valid JSON document.
  return json::parse(line);
}

TEST(JsonLogLine, HasTimeLevelAndMessageInThatOrder) {
  EXPECT_EQ(json_line(kNoon, spdlog::level::info, "Deleted room \"r1\"", {}),
            R"({"time":"2026-01-31T12:00:00.123Z","level":"info","msg":"Deleted room \"r1\""})");
  EXPECT_EQ(json_line(kNoon + seconds(1) - milliseconds(123), spdlog::level::warn, "w", {}),
            R"({"time":"2026-01-31T12:00:01.000Z","level":"warning","msg":"w"})");
  EXPECT_EQ(parse(json_line(kNoon, spdlog::level::err, "e", {}))["level"], "error");
  EXPECT_EQ(parse(json_line(kNoon, spdlog::level::debug, "d", {}))["level"], "debug");
}

TEST(JsonLogLine, BeforeTheEpochTheMillisecondsStillCountUp) {
  const auto line = json_line(system_clock::time_point(milliseconds(-1)), spdlog::level::info, "x", {});
  EXPECT_EQ(parse(line)["time"], "1969-12-31T23:59:59.999Z");
}

TEST(JsonLogLine, FieldsArePresentOnlyWhenSet) {
  auto none = parse(json_line(kNoon, spdlog::level::info, "m", {}));
  EXPECT_FALSE(none.contains("room_id"));
  EXPECT_FALSE(none.contains("peer_id"));
  EXPECT_FALSE(none.contains("component_id"));

  auto peer_line = parse(json_line(kNoon, spdlog::level::info, "m", peer("room-1", "peer-2")));
  EXPECT_EQ(peer_line["room_id"], "room-1");
  EXPECT_EQ(peer_line["peer_id"], "peer-2");
  EXPECT_FALSE(peer_line.contains("component_id"));

  auto component_line = parse(json_line(kNoon, spdlog::level::info, "m", component("room-1", "hls-3")));
  EXPECT_EQ(component_line["room_id"], "room-1");
  EXPECT_EQ(component_line["component_id"], "hls-3");
  EXPECT_FALSE(component_line.contains("peer_id"));

  EXPECT_EQ(
      json_line(kNoon, spdlog::level::info, "m", {"r", "p", "c"}),
      R"({"time":"2026-01-31T12:00:00.123Z","level":"info","msg":"m","room_id":"r","peer_id":"p","component_id":"c"})");
}

TEST(JsonLogLine, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string text = std::string("say \"hi\" \\ path\\to\nnext\tline\r\x01\x1f end") + '\0' + "after nul";
  const auto line = json_line(kNoon, spdlog::level::info, text, peer("ro\"om", "pe\\er\n"));
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  for (char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line;
  auto parsed = parse(line);
  EXPECT_EQ(parsed["msg"], text);
  EXPECT_EQ(parsed["room_id"], "ro\"om");
  EXPECT_EQ(parsed["peer_id"], "pe\\er\n");
}

TEST(JsonLogLine, InvalidUtf8IsReplacedNotThrownOrPassedThrough) {
  const std::string text = "bytes \xff\xfe, a cut sequence \xc3 and \xe2\x82 end, valid \xc3\xa9";
  std::string line;
  ASSERT_NO_THROW(line = json_line(kNoon, spdlog::level::info, text, room("r\xff")));
  auto parsed = parse(line);
  const std::string msg = parsed["msg"];
  EXPECT_EQ(msg.rfind("bytes \xef\xbf\xbd", 0), 0u) << msg;         // U+FFFD
  EXPECT_NE(msg.find("valid \xc3\xa9"), std::string::npos) << msg;  // valid UTF-8 kept as is
  EXPECT_EQ(parsed["room_id"], "r\xef\xbf\xbd");
}

TEST(LogScope, NestsAndRestores) {
  EXPECT_TRUE(current().room_id.empty());
  {
    const Scope outer(room("r1"));
    EXPECT_EQ(current().room_id, "r1");
    {
      const Scope inner(Fields{{}, "p1", {}});
      EXPECT_EQ(current().room_id, "r1");
      EXPECT_EQ(current().peer_id, "p1");
    }
    EXPECT_EQ(current().room_id, "r1");
    EXPECT_TRUE(current().peer_id.empty());
  }
  EXPECT_TRUE(current().room_id.empty());
}

TEST(LogScope, BelongsToItsThread) {
  const Scope scope(room("mine"));
  std::string_view seen = "unset";
  std::thread([&] { seen = current().room_id; }).join();
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(current().room_id, "mine");
}

// Points the default logger at a string stream for one test (each sets its format on it).
class CapturedLog : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(saved_); }

  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> saved_;
};

TEST_F(CapturedLog, JsonLinesCarryTheFieldsOfTheirCallOnly) {
  spdlog::default_logger()->set_formatter(std::make_unique<JsonFormatter>());
  const std::string room_id = "3f1c";
  info(peer(room_id, "p9"), "Added peer \"{}\" to room \"{}\"", "p9", room_id);
  spdlog::info("Server WS authenticated.");
  {
    const Scope scope(component(room_id, "c7"));
    spdlog::error("ffmpeg: {}", "bad \"frame\"");
  }
  debug(room(room_id), "below the level: not written");

  auto written = lines();
  ASSERT_EQ(written.size(), 3u) << out_.str();
  auto first = parse(written[0]);
  EXPECT_EQ(first["msg"], "Added peer \"p9\" to room \"3f1c\"");
  EXPECT_EQ(first["room_id"], "3f1c");
  EXPECT_EQ(first["peer_id"], "p9");
  auto second = parse(written[1]);
  EXPECT_EQ(second["msg"], "Server WS authenticated.");
  EXPECT_FALSE(second.contains("room_id"));
  EXPECT_FALSE(second.contains("peer_id"));
  auto third = parse(written[2]);
  EXPECT_EQ(third["level"], "error");
  EXPECT_EQ(third["msg"], "ffmpeg: bad \"frame\"");
  EXPECT_EQ(third["room_id"], "3f1c");
  EXPECT_EQ(third["component_id"], "c7");
}

TEST_F(CapturedLog, TextLinesAreWhatSpdlogWritesWithoutFields) {
  spdlog::default_logger()->set_pattern("[%l] %v");  // the development pattern (main.cpp)
  info(peer("r1", "p1"), "Added peer \"{}\" to room \"{}\"", "p1", "r1");
  spdlog::info("Added peer \"{}\" to room \"{}\"", "p1", "r1");
  warn(room("r1"), "Unable to add peer: invalid options, room \"{}\"", "r1");
  EXPECT_EQ(out_.str(),
            "[info] Added peer \"p1\" to room \"r1\"\n"
            "[info] Added peer \"p1\" to room \"r1\"\n"
            "[warning] Unable to add peer: invalid options, room \"r1\"\n");
}

}  // namespace
}  // namespace shoal::logging
