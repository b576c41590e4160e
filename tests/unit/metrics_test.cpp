#include "metrics/metrics.hpp"
#include "notifications/metrics_report.hpp"
#include "notifications/server_socket.hpp"

#include "jellyfish/server_notifications.pb.h"

#include "result_access.hpp"

#include <gtest/gtest.h>

namespace shoal {
namespace {

using nlohmann::json;

std::shared_ptr<room::Room> add_room(room::RoomRegistry& rooms, boost::asio::io_context& loop,
                                     const std::string& id) {
  auto room = std::make_shared<room::Room>(id, room::RoomConfig{}, loop, room::RoomSettings{});
  rooms.insert(room);
  return room;
}

TEST(Metrics, AggregatesTrafficRoomsAndPeerTimeLikeTheOriginal) {
  boost::asio::io_context loop;
  room::RoomRegistry rooms;
  metrics::Metrics metrics(rooms);
  auto room = add_room(rooms, loop, "r1");
  ASSERT_TRUE(room->add_peer(room::PeerOptions{}).has_value());
  ASSERT_TRUE(room->add_peer(room::PeerOptions{}).has_value());

  metrics.traffic().add_ingress(1005);
  metrics.traffic().add_egress(99);
  metrics.aggregate(std::chrono::seconds(10));
  auto text = metrics.render();
  EXPECT_NE(text.find("# TYPE jellyfish_rooms gauge"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_rooms 1"), std::string::npos);
  EXPECT_NE(text.find("shoal_forwarded_tracks 0"), std::string::npos);  // peers without tracks
  EXPECT_NE(text.find("jellyfish_traffic_ingress_total_bytes 1005"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_traffic_ingress_throughput_bytes_per_second 100"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_traffic_egress_throughput_bytes_per_second 9"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_room_peers{room_id=\"r1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_room_peer_time_total_seconds{room_id=\"r1\"} 20"), std::string::npos);

  // Deltas were taken: the next window adds nothing; peer time keeps accumulating.
  metrics.aggregate(std::chrono::seconds(10));
  text = metrics.render();
  EXPECT_NE(text.find("jellyfish_traffic_ingress_total_bytes 1005"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_traffic_ingress_throughput_bytes_per_second 0"), std::string::npos);
  EXPECT_NE(text.find("jellyfish_room_peer_time_total_seconds{room_id=\"r1\"} 40"), std::string::npos);

  // Series of deleted rooms go away (the original kept them forever).
  rooms.remove("r1");
  metrics.aggregate(std::chrono::seconds(10));
  text = metrics.render();
  EXPECT_EQ(text.find("room_id=\"r1\""), std::string::npos);
  EXPECT_NE(text.find("jellyfish_rooms 0"), std::string::npos);
}

TEST(MetricsReport, ListsReadyEndpointsPerRoom) {
  boost::asio::io_context loop;
  room::RoomRegistry rooms;
  EXPECT_EQ(notifications::build_metrics_report(rooms), "{}");
  auto room = add_room(rooms, loop, "r1");
  auto peer = test::value_of(room->add_peer(room::PeerOptions{}));
  EXPECT_EQ(notifications::build_metrics_report(rooms), "{}");

  struct NullChannel : room::PeerChannel {
    void send_media_event(std::string) override {}
    void close(std::string) override {}
  };
  auto channel = std::make_shared<NullChannel>();
  ASSERT_TRUE(room->connect_peer(peer.id, channel).has_value());
  room->handle_media_event(peer.id, channel.get(), R"({"type":"connect","data":{"metadata":{"n":1}}})");
  loop.poll();  // the room rebuilds its metrics on a later turn of its loop
  auto report = json::parse(notifications::build_metrics_report(rooms));
  EXPECT_EQ(report["room_id=r1"]["endpoint_id=" + peer.id]["endpoint.metadata"], json({{"n", 1}}));
}

TEST(MetricsReport, AddsPerSecondRatesAtEveryLevelLikeTheOriginal) {
  json previous = {{"room_id=r",
                    {{"endpoint_id=p",
                      {{"ice.bytes_sent", 1000},
                       {"endpoint.metadata", "x"},
                       {"track_id=t:", {{"outbound-rtp.packets", 10}}}}}}}};
  json current = {{"room_id=r",
                   {{"endpoint_id=p",
                     {{"ice.bytes_sent", 3000},
                      {"ice.bytes_received", 5},
                      {"endpoint.metadata", "x"},
                      {"track_id=t:", {{"outbound-rtp.packets", 60}}}}}}}};
  notifications::add_rates(current, previous, 500.0);
  const auto& endpoint = current["room_id=r"]["endpoint_id=p"];
  EXPECT_DOUBLE_EQ(endpoint["ice.bytes_sent-per-second"].get<double>(), 4000.0);
  EXPECT_FALSE(endpoint.contains("ice.bytes_received-per-second")) << "needs a previous value";
  EXPECT_FALSE(endpoint.contains("endpoint.metadata-per-second"));
  EXPECT_DOUBLE_EQ(endpoint["track_id=t:"]["outbound-rtp.packets-per-second"].get<double>(), 100.0);
}

TEST(ServerEvents, EncodeToTheProtoFieldsOfV021) {
  using notifications::ServerEventKind;
  jellyfish::ServerMessage message;
  ASSERT_TRUE(message.ParseFromString(
      notifications::encode_server_event({ServerEventKind::PeerConnected, "room", "peer", {}})));
  EXPECT_EQ(message.content_case(), jellyfish::ServerMessage::kPeerConnected);
  EXPECT_EQ(message.peer_connected().room_id(), "room");
  EXPECT_EQ(message.peer_connected().peer_id(), "peer");

  ASSERT_TRUE(message.ParseFromString(
      notifications::encode_server_event({ServerEventKind::RoomDeleted, "room", {}, {}})));
  EXPECT_EQ(message.content_case(), jellyfish::ServerMessage::kRoomDeleted);
  ASSERT_TRUE(message.ParseFromString(
      notifications::encode_server_event({ServerEventKind::MetricsReport, {}, {}, "{}"})));
  EXPECT_EQ(message.metrics_report().metrics(), "{}");
}

}  // namespace
}  // namespace shoal
