// Balance of forwarded tracks across a 3-node cluster after creates of mixed room sizes
// (docs/benchmarks.md). Each room gets 1 to 6 peers that each publish one video track and
// receive every other peer's, through real peer WebSockets and SDP negotiation (no media: a
// subscription counts as forwarded once its m-line is negotiated). A room of s peers therefore
// forwards s·(s−1) tracks, and the next create is sent only once the room has settled, so every
// placement sees the load of all earlier rooms.  Usage: cluster_balance [creates=1000] [seed=1]
#include "cluster_harness.hpp"
#include "webrtc_load/offer_sdp.hpp"
#include "webrtc_load/signaling_client.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <thread>

namespace {

using namespace shoal::test;
using shoal::bench::OfferShape;
using shoal::bench::SignalingClient;
using Clock = std::chrono::steady_clock;

std::string custom_event(const std::string& type, json data) {
  json inner{{"type", type}};
  if (!data.is_null()) inner["data"] = std::move(data);
  return json{{"type", "custom"}, {"data", std::move(inner)}}.dump();
}

// A browser reduced to its negotiation: publishes one video track, answers every offerData with
// an offer that receives as many video tracks as the room has for it.
class NegotiatingPeer {
 public:
  NegotiatingPeer(boost::asio::io_context& io, std::string id, int index)
      : id_(std::move(id)),
        track_id_(id_ + ":video"),
        stream_id_("stream" + std::to_string(index)),
        ssrc_(1000 + 2 * static_cast<std::uint32_t>(index)),
        signaling_(io, {[this] { signaling_.send_media_event(R"({"type":"connect","data":{"metadata":{}}})"); },
                        [this](const std::string& text) { on_event(text); }, [this](const std::string&) {
                          closed_ = true;
                        }}) {}

  void start(std::uint16_t port, const std::string& token) { signaling_.start("127.0.0.1", port, token); }
  // Settled: published and receiving `others` tracks, per the last answered offer.
  bool settled(std::size_t others) const { return answered_ && answered_lines_ == others && pending_ == 0; }
  bool closed() const { return closed_; }

 private:
  void on_event(const std::string& text) {
    const json event = json::parse(text, nullptr, false);
    if (!event.is_object()) return;
    if (event.value("type", "") == "connected") {
      signaling_.send_media_event(custom_event("renegotiateTracks", nullptr));
      return;
    }
    if (event.value("type", "") != "custom" || !event.contains("data")) return;
    const json& custom = event["data"];
    const std::string name = custom.value("type", "");
    if (name == "offerData") {
      const json& data = custom["data"];
      if (data.contains("tracksTypes")) receive_lines_ = std::max(receive_lines_, data["tracksTypes"].value("video", std::size_t{0}));
      send_offer();
    } else if (name == "sdpAnswer") {
      answered_ = true;
      if (pending_ > 0) --pending_;
      answered_lines_ = offered_lines_;
    }
  }

  void send_offer() {
    OfferShape shape;
    shape.ice_ufrag = "bnch";
    shape.ice_pwd = "benchbenchbenchbenchbench";
    shape.fingerprint_sha256 = fingerprint();
    shape.session_version = offers_++;
    shape.publishes = true;
    shape.ssrc = ssrc_;
    shape.rtx_ssrc = ssrc_ + 1;
    shape.stream_id = stream_id_;
    shape.track_id = track_id_;
    shape.receive_video = receive_lines_;
    offered_lines_ = receive_lines_;
    ++pending_;
    signaling_.send_media_event(custom_event(
        "sdpOffer", json{{"sdpOffer", {{"type", "offer"}, {"sdp", shoal::bench::build_offer(shape)}}},
                         {"trackIdToTrackMetadata", {{track_id_, {{"type", "camera"}}}}},
                         {"midToTrackId", {{"0", track_id_}}}}));
  }

  static std::string fingerprint() {
    std::string value;
    for (int i = 0; i < 32; ++i) value += i == 0 ? "AB" : ":AB";
    return value;
  }

  std::string id_, track_id_, stream_id_;
  std::uint32_t ssrc_;
  SignalingClient signaling_;
  std::size_t receive_lines_ = 0, offered_lines_ = 0, answered_lines_ = 0;
  std::uint64_t offers_ = 0;
  int pending_ = 0;
  bool answered_ = false;
  bool closed_ = false;
};

double metric(std::uint16_t metrics_port, const std::string& name) {
  const auto text = http_request(metrics_port, "GET", "/metrics").body;
  std::smatch match;
  if (std::regex_search(text, match, std::regex("\n" + name + " ([0-9.e+]+)"))) return std::stod(match[1]);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int creates = argc > 1 ? std::atoi(argv[1]) : 1000;
  const unsigned seed = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 1;
  raise_open_file_limit();  // inherited by the nodes: thousands of peer sockets

  std::vector<std::unique_ptr<ShoalProcess>> nodes;
  std::map<std::uint16_t, std::size_t> node_of_port;
  std::string previous;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto name = unique_node_name("bal" + std::to_string(i));
    const auto port = free_port();
    nodes.push_back(std::make_unique<ShoalProcess>(cluster_env(name, previous, port)));
    node_of_port[port] = i;
    previous = name;
  }
  for (const auto& [port, index] : node_of_port) {
    if (!wait_for_cluster(port, 3, std::chrono::seconds(10))) {
      std::cerr << "cluster did not form\n";
      return 1;
    }
  }
  const std::uint16_t entry = nodes[1]->port();

  boost::asio::io_context io;
  std::vector<std::unique_ptr<NegotiatingPeer>> peers;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> room_size(1, 6);
  struct Load {
    std::size_t rooms = 0, peers = 0, forwarded = 0;
  };
  std::vector<Load> load(3);
  double slowest_settle_ms = 0;
  const auto started = Clock::now();
  for (int r = 0; r < creates; ++r) {
    auto created = api(entry, "POST", "/room");
    if (created.status != 201) {
      std::cerr << "create " << r << " failed: " << created.status << " " << created.body << "\n";
      return 1;
    }
    const auto data = created.json_body()["data"];
    const std::string address = data["jellyfish_address"];
    const auto port = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
    const std::string room = data["room"]["id"];
    const auto size = static_cast<std::size_t>(room_size(rng));
    const auto first = peers.size();
    for (std::size_t p = 0; p < size; ++p) {
      auto peer = create_peer(port, room);
      peers.push_back(std::make_unique<NegotiatingPeer>(io, peer.id, static_cast<int>(peers.size())));
      peers.back()->start(port, peer.token);
    }
    const auto settle_start = Clock::now();
    const auto deadline = settle_start + std::chrono::seconds(20);
    auto settled = [&] {
      for (std::size_t p = first; p < peers.size(); ++p) {
        if (!peers[p]->settled(size - 1)) return false;
      }
      return true;
    };
    while (!settled() && Clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
    if (!settled()) {
      std::cerr << "room " << room << " of " << size << " peers did not settle in 20 s\n";
      return 1;
    }
    slowest_settle_ms =
        std::max(slowest_settle_ms, std::chrono::duration<double, std::milli>(Clock::now() - settle_start).count());
    auto& node = load[node_of_port.at(port)];
    ++node.rooms;
    node.peers += size;
    node.forwarded += size * (size - 1);
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - started).count();
  // Keep the sockets serviced while the nodes' metrics catch up (aggregated every 10 s).
  const auto wait_until = Clock::now() + std::chrono::seconds(11);
  while (Clock::now() < wait_until) io.run_one_for(std::chrono::milliseconds(100));

  std::size_t total_forwarded = 0;
  for (const auto& node : load) total_forwarded += node.forwarded;
  std::cout << creates << " creates through one node of 3, room sizes 1-6 peers (seed " << seed << "), "
            << peers.size() << " peers, " << total_s << " s (slowest room settled in " << slowest_settle_ms
            << " ms)\n";
  for (std::size_t i = 0; i < 3; ++i) {
    std::cout << "node " << i << ": rooms " << load[i].rooms << ", peers " << load[i].peers << ", forwarded tracks "
              << load[i].forwarded << " (node's own shoal_forwarded_tracks: "
              << metric(nodes[i]->metrics_port(), "shoal_forwarded_tracks") << "), share "
              << 100.0 * static_cast<double>(load[i].forwarded) / static_cast<double>(total_forwarded) << " %\n";
  }
  std::size_t closed = 0;
  for (const auto& peer : peers) closed += peer->closed();
  if (closed > 0) std::cout << closed << " peer sockets were closed by the server\n";
  return 0;
}
