// JF_LOG_FORMAT: json lines a log pipeline can filter by room and peer, text lines unchanged,
// and a bad value refused at start.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace shoal::test {
namespace {

std::vector<std::string> lines_of(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A room with a peer that connects its socket, sends one bad media event and one text frame
// (both logged with the peer's id), then leaves; the peer and the room are deleted over REST.
struct Lifecycle {
  std::string room_id;
  std::string peer_id;
};

Lifecycle run_room_lifecycle(ShoalProcess& shoal) {
  Lifecycle ids;
  ids.room_id = create_room(shoal.port());
  auto peer = create_peer(shoal.port(), ids.room_id);
  ids.peer_id = peer.id;
  {
    auto socket = connect_peer(shoal.port(), peer.token);
    socket->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", {{"name", "a \"quoted\" name"}}}}}}));
    EXPECT_EQ(next_event(*socket)["type"], "connected");
    socket->send_binary(media_event({{"type", "no such event"}}));
    socket->send_text("not protobuf");
    EXPECT_TRUE(output_contains(shoal, "Received unexpected text message", std::chrono::seconds(5)));
    socket->close();
  }
  EXPECT_TRUE(output_contains(shoal, "stopped, room:", std::chrono::seconds(5))) << shoal.output();
  EXPECT_EQ(api(shoal.port(), "DELETE", "/room/" + ids.room_id + "/peer/" + ids.peer_id).status, 204);
  EXPECT_EQ(api(shoal.port(), "DELETE", "/room/" + ids.room_id).status, 204);
  EXPECT_TRUE(output_contains(shoal, "Deleted room", std::chrono::seconds(5))) << shoal.output();
  return ids;
}

TEST(LogFormat, JsonLinesCarryTheRoomAndPeerIdsAsFields) {
  ShoalProcess shoal(Env{{"JF_LOG_FORMAT", "json"}});
  const auto ids = run_room_lifecycle(shoal);
  EXPECT_EQ(shoal.terminate(), 0);

  const std::regex iso_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  const auto lines = lines_of(shoal.output());
  ASSERT_GT(lines.size(), 5u) << shoal.output();
  std::vector<std::string> about_room, about_peer;
  for (const auto& line : lines) {
    json object;
    try {
      object = json::parse(line);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a JSON line: " << line << " (" << e.what() << ")";
      continue;
    }
    ASSERT_TRUE(object.is_object()) << line;
    ASSERT_TRUE(object["time"].is_string() && object["level"].is_string() && object["msg"].is_string()) << line;
    EXPECT_TRUE(std::regex_match(object["time"].get<std::string>(), iso_time)) << line;
    const std::string msg = object["msg"];
    // Every line that names the room or the peer in its text has it as a field too.
    if (msg.find(ids.room_id) != std::string::npos) {
      EXPECT_EQ(object.value("room_id", ""), ids.room_id) << line;
    }
    if (msg.find(ids.peer_id) != std::string::npos) {
      EXPECT_EQ(object.value("peer_id", ""), ids.peer_id) << line;
      EXPECT_EQ(object.value("room_id", ""), ids.room_id) << line;
    }
    if (object.value("room_id", "") == ids.room_id) about_room.push_back(msg);
    if (object.value("peer_id", "") == ids.peer_id) about_peer.push_back(msg);
  }
  // The lines a pipeline filtering by this room or peer finds, from the REST API, the room, and
  // the peer socket.
  auto has = [](const std::vector<std::string>& msgs, const std::string& text) {
    for (const auto& msg : msgs) {
      if (msg.find(text) != std::string::npos) return true;
    }
    return false;
  };
  for (const char* text : {"Created room", "Initialize room", "Added peer", "Removed peer", "Deleted room"}) {
    EXPECT_TRUE(has(about_room, text)) << text << "\n" << shoal.output();
  }
  for (const char* text : {"Added peer", "connected", "Ignoring invalid media event",
                           "Received unexpected text message", "WebSocket associated with peer", "Removed peer"}) {
    EXPECT_TRUE(has(about_peer, text)) << text << "\n" << shoal.output();
  }
}

TEST(LogFormat, TextLinesAreUnchanged) {
  ShoalProcess shoal(Env{{"JF_LOG_FORMAT", "text"}});
  const auto ids = run_room_lifecycle(shoal);
  EXPECT_EQ(shoal.terminate(), 0);
  const auto lines = lines_of(shoal.output());
  for (const std::string& expected :
       {"[info] Created room \"" + ids.room_id + "\"",
        "[info] Added peer \"" + ids.peer_id + "\" to room \"" + ids.room_id + "\"",
        "[info] Peer \"" + ids.peer_id + "\" connected",
        "[info] WebSocket associated with peer \"" + ids.peer_id + "\" stopped, room: \"" + ids.room_id + "\"",
        "[info] Removed peer \"" + ids.peer_id + "\" from room \"" + ids.room_id + "\"",
        "[info] Deleted room \"" + ids.room_id + "\"", std::string("[info] shoal stopped")}) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), expected), lines.end()) << expected << "\n" << shoal.output();
  }
  for (const auto& line : lines) EXPECT_TRUE(line.empty() || line.front() != '{') << line;
}

TEST(LogFormat, AnUnknownFormatStopsTheStartWithTheAllowedValues) {
  auto result = run_shoal_to_exit({{"JF_LOG_FORMAT", "xml"}}, {"--dev"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("Bad JF_LOG_FORMAT environment variable value. Expected text or json, got: xml"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace shoal::test
