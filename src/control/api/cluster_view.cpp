#include "api/cluster_view.hpp"

#include "core/json_limits.hpp"
#include "core/run_on.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace shoal::api {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// A node with distribution off is named as an Erlang node started without a name is.
constexpr std::string_view kUnnamedNode = "nonode@nohost";

json load_fields(const cluster::NodeUsage& usage) {
  return {{"state", usage.draining ? "draining" : "serving"},
          {"rooms", usage.rooms},
          {"peers", usage.peers},
          {"forwardedTracks", usage.forwarded_tracks},
          {"cpuPercent", static_cast<double>(usage.cpu_permille) / 10.0}};
}

json this_node(server::Node& node, const std::string& name) {
  auto usage = server::local_usage(node);
  usage.cpu_permille = node.cpu.permille();
  json entry = {{"name", name}, {"self", true}, {"connected", true}, {"reportAgeMs", 0}};
  entry.update(load_fields(usage));
  return entry;
}

// Another node as its last pushed report shows it. "unknown": connected but no report within the
// freshness bound (an older version, or one that stopped answering); "unreachable": not
// connected. The last known figures stay, with their age.
json other_node(const cluster::LoadTable::Report& report, bool connected) {
  json entry = {{"name", report.node}, {"self", false}, {"connected", connected}};
  if (report.usage) {
    entry.update(load_fields(*report.usage));
    entry["reportAgeMs"] = report.age.count();
  } else {
    entry.update({{"rooms", nullptr}, {"peers", nullptr}, {"forwardedTracks", nullptr}, {"cpuPercent", nullptr},
                  {"reportAgeMs", nullptr}});
  }
  if (!connected) {
    entry["state"] = "unreachable";
  } else if (!report.fresh) {
    entry["state"] = "unknown";
  }
  return entry;
}

void add_rooms(json& rooms, const json& list, const std::string& node_name) {
  for (const auto& room : list) {
    if (!room.is_object()) continue;
    rooms.push_back(room);
    rooms.back()["node"] = node_name;
  }
}

}  // namespace

asio::awaitable<Response> show_cluster(server::Node& node) {
  const std::string name = node.cluster ? node.cluster->node_name() : std::string(kUnnamedNode);
  json nodes = json::array({this_node(node, name)});
  json rooms = json::array();
  for (const auto& room : node.rooms.all()) {
    rooms.push_back(json::parse(*room->snapshot()));
    rooms.back()["node"] = name;
  }
  json unreachable = json::array();
  if (node.cluster) {
    auto connected = node.cluster->connected_nodes();
    for (const auto& report : node.cluster->load_reports()) {
      nodes.push_back(other_node(report, std::binary_search(connected.begin(), connected.end(), report.node)));
    }
    auto gather = [&cluster = *node.cluster] { return cluster.remote_room_lists(); };
    auto remote = co_await core::run_on(node.blocking, std::move(gather));
    for (std::size_t i = 0; i < remote.lists.size(); ++i) {
      auto list = core::parse_untrusted_json(remote.lists[i]);
      if (!list || !list->is_object() || !list->contains("data") || !(*list)["data"].is_array()) continue;
      add_rooms(rooms, (*list)["data"], remote.list_nodes[i]);
    }
    unreachable = remote.unanswered;
  }
  json body = {{"data", {{"node", name}, {"nodes", std::move(nodes)}, {"rooms", std::move(rooms)},
                         {"unreachable_nodes", std::move(unreachable)}}}};
  co_return json_response(http::status::ok, body.dump());
}

}  // namespace shoal::api
