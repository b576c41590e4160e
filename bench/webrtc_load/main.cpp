// shoal_webrtc_load: N simulated browsers against a running shoal, speaking real TURN, ICE,
// DTLS and SRTP over loopback. P publishers send VP8-shaped video at a fixed bitrate; every
// peer receives every other peer's track. Reports what was sent and what arrived (= forwarded
// egress), loss from sequence gaps, and the CPU shoal and the generator used in the window.
#include "rest_client.hpp"
#include "simulated_peer.hpp"


#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace shoal::bench;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  RestTarget server;
  int rooms = 1;  // each with `publishers` + `subscribers` peers
  int publishers = 2;
  int subscribers = 38;
  double bitrate_bps = 1.5e6;
  std::size_t packet_size = 1200;
  double duration_s = 10;
  double warmup_s = 2;
  double setup_timeout_s = 60;
  long shoal_pid = 0;
  std::optional<std::uint64_t> packets;  // per publisher in the measured phase, then stop
  bool decrypt = true;
  bool json_output = false;
  bool verbose = false;  // per-peer streams on stderr
};

void usage() {
  std::cerr << "usage: shoal_webrtc_load [--server HOST:PORT] [--token T] [--rooms R] [--publishers P] [--subscribers S]\n"
               "       [--bitrate BPS|1.5M|800k] [--packet-size BYTES] [--duration S] [--warmup S]\n"
               "       [--setup-timeout S] [--shoal-pid PID] [--packets N] [--no-decrypt] [--json] [--verbose]\n";
}

double parse_rate(const std::string& text) {
  double value = std::stod(text);
  if (!text.empty() && (text.back() == 'M' || text.back() == 'm')) value *= 1e6;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) value *= 1e3;
  return value;
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--server") {
      const std::string value = next();
      const auto colon = value.rfind(':');
      o.server.host = value.substr(0, colon);
      o.server.port = static_cast<std::uint16_t>(std::stoi(value.substr(colon + 1)));
    } else if (arg == "--token") {
      o.server.token = next();
    } else if (arg == "--rooms") {
      o.rooms = std::stoi(next());
    } else if (arg == "--publishers") {
      o.publishers = std::stoi(next());
    } else if (arg == "--subscribers") {
      o.subscribers = std::stoi(next());
    } else if (arg == "--bitrate") {
      o.bitrate_bps = parse_rate(next());
    } else if (arg == "--packet-size") {
      o.packet_size = std::stoul(next());
    } else if (arg == "--duration") {
      o.duration_s = std::stod(next());
    } else if (arg == "--warmup") {
      o.warmup_s = std::stod(next());
    } else if (arg == "--setup-timeout") {
      o.setup_timeout_s = std::stod(next());
    } else if (arg == "--shoal-pid") {
      o.shoal_pid = std::stol(next());
    } else if (arg == "--packets") {
      o.packets = std::stoull(next());
    } else if (arg == "--no-decrypt") {
      o.decrypt = false;
    } else if (arg == "--verbose") {
      o.verbose = true;
    } else if (arg == "--json") {
      o.json_output = true;
    } else {
      usage();
      return std::nullopt;
    }
  }
  // A publisher's index travels in one payload byte.
  if (o.rooms < 1 || o.rooms * o.publishers > 255) {
    usage();
    return std::nullopt;
  }
  if (o.publishers < 1 || o.subscribers < 0 || o.packet_size < 64 || o.packet_size > 1400 || o.bitrate_bps <= 0) {
    usage();
    return std::nullopt;
  }
  return o;
}

// utime and stime of a process in clock ticks; -1 when unreadable.
struct CpuTicks {
  long user = -1, system = -1;
  long total() const { return user < 0 ? -1 : user + system; }
};

CpuTicks cpu_ticks(const std::string& stat_path) {
  std::ifstream file(stat_path);
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto close = content.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(content.substr(close + 2));
  std::string field;
  long utime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stol(field);
    if (index == 15) return {utime, std::stol(field)};
  }
  return {};
}

struct Snapshot {
  Clock::time_point at;
  std::uint64_t sent_packets = 0, sent_bytes = 0, received_packets = 0, received_bytes = 0;
  std::uint64_t expected = 0;  // sum over received streams of highest - first + 1
  std::uint64_t stream_received = 0;
  CpuTicks shoal_ticks, own_ticks;
};

Snapshot snapshot(const std::vector<std::unique_ptr<SimulatedPeer>>& peers, const Options& options) {
  Snapshot s;
  s.at = Clock::now();
  for (const auto& peer : peers) {
    s.sent_packets += peer->packets_sent();
    s.sent_bytes += peer->bytes_sent();
    s.received_packets += peer->packets_received();
    s.received_bytes += peer->bytes_received();
    for (const auto& stream : peer->streams()) {
      s.expected += stream.highest - stream.first + 1;
      s.stream_received += stream.received;
    }
  }
  if (options.shoal_pid > 0) s.shoal_ticks = cpu_ticks("/proc/" + std::to_string(options.shoal_pid) + "/stat");
  s.own_ticks = cpu_ticks("/proc/self/stat");
  return s;
}

bool all_ready(const std::vector<std::unique_ptr<SimulatedPeer>>& peers, int publishers) {
  for (const auto& peer : peers) {
    if (!peer->media_connected()) return false;
    const std::size_t wanted = static_cast<std::size_t>(publishers - (peer->publisher() ? 1 : 0));
    if (peer->streams().size() < wanted) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> parsed;
  try {
    parsed = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    usage();
    return 2;
  }
  if (!parsed) return 2;
  const Options options = *parsed;
  auto certificate = shoal::rtc::dtls::DtlsCertificate::generate();
  if (!certificate) return 1;

  boost::asio::io_context io;
  auto window = std::make_shared<MeasureWindow>();
  const auto all_publishers = static_cast<std::size_t>(options.rooms * options.publishers);
  window->first.assign(all_publishers, 0);
  window->end.assign(all_publishers, UINT32_MAX);
  std::vector<std::string> room_ids;
  std::vector<std::unique_ptr<SimulatedPeer>> peers;
  const auto setup_started = Clock::now();
  try {
    const int total = options.publishers + options.subscribers;
    for (int n = 0; n < options.rooms * total; ++n) {
      const int room = n / total;
      const int i = n % total;
      if (i == 0) room_ids.push_back(create_room(options.server));
      const auto credentials = create_peer(options.server, room_ids.back());
      PeerOptions peer;
      peer.host = options.server.host;
      peer.port = options.server.port;
      peer.peer_id = credentials.id;
      peer.token = credentials.token;
      // Subscribers first: each publisher's tracksAdded then reaches everyone at once.
      peer.publisher = i >= options.subscribers;
      peer.bitrate_bps = options.bitrate_bps;
      peer.packet_size = options.packet_size;
      peer.decrypt = options.decrypt;
      peer.window = window;
      if (peer.publisher) {
        peer.publisher_index = static_cast<std::uint8_t>(room * options.publishers + i - options.subscribers);
      }
      peers.push_back(std::make_unique<SimulatedPeer>(io, certificate, peer));
      peers.back()->start();
    }
  } catch (const std::exception& e) {
    std::cerr << "set-up failed: " << e.what() << "\n";
    return 1;
  }

  enum class Phase { Setup, Warmup, Measure, Drain, Done };
  Phase phase = Phase::Setup;
  Clock::time_point phase_started = Clock::now();
  Snapshot start, stopped, end;
  bool setup_failed = false;
  double setup_s = 0;
  boost::asio::steady_timer timer(io);
  Clock::time_point last_tick{};
  std::uint64_t last_received = 0;
  Clock::time_point last_progress{};

  std::function<void()> loop = [&] {
    const auto now = Clock::now();
    if (phase == Phase::Setup || phase == Phase::Warmup || phase == Phase::Measure) {
      for (auto& peer : peers) peer->send_due(now);
    }
    if (now - last_tick >= std::chrono::milliseconds(20)) {
      last_tick = now;
      for (auto& peer : peers) peer->tick(now);
    }
    const double in_phase = std::chrono::duration<double>(now - phase_started).count();
    switch (phase) {
      case Phase::Setup:
        if (all_ready(peers, options.publishers)) {
          setup_s = std::chrono::duration<double>(now - setup_started).count();
          phase = Phase::Warmup;
          phase_started = now;
        } else if (in_phase > options.setup_timeout_s) {
          setup_failed = true;
          phase = Phase::Done;
        }
        break;
      case Phase::Warmup:
        if (in_phase >= options.warmup_s) {
          start = snapshot(peers, options);
          for (auto& peer : peers) {
            if (peer->publisher()) window->first[peer->publisher_index()] = peer->produced();
          }
          window->open = true;
          if (options.packets) {
            for (auto& peer : peers) peer->set_send_budget(options.packets);
          }
          phase = Phase::Measure;
          phase_started = now;
        }
        break;
      case Phase::Measure: {
        bool finished = in_phase >= options.duration_s;
        if (options.packets) {
          std::uint64_t sent = 0;
          for (auto& peer : peers) sent += peer->packets_sent();
          finished = sent - start.sent_packets >= *options.packets * static_cast<std::uint64_t>(options.publishers) ||
                     in_phase >= 10 * options.duration_s;
        }
        if (finished) {
          // CPU is read when sending stops; the drain below only collects stragglers.
          stopped = snapshot(peers, options);
          for (auto& peer : peers) {
            if (peer->publisher()) window->end[peer->publisher_index()] = peer->produced();
          }
          phase = Phase::Drain;
          phase_started = now;
          last_progress = now;
        }
        break;
      }
      case Phase::Drain: {
        // Wait until nothing more arrives for 300 ms (bounded by 5 s), so queued packets count.
        std::uint64_t received = 0;
        for (auto& peer : peers) received += peer->packets_received();
        if (received != last_received) {
          last_received = received;
          last_progress = now;
        }
        if (now - last_progress > std::chrono::milliseconds(300) || in_phase > 5) {
          end = snapshot(peers, options);
          phase = Phase::Done;
        }
        break;
      }
      case Phase::Done:
        break;
    }
    if (phase == Phase::Done) {
      for (auto& peer : peers) peer->stop();
      io.stop();
      return;
    }
    timer.expires_after(std::chrono::milliseconds(1));
    timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) loop();
    });
  };
  loop();
  io.run_for(std::chrono::seconds(static_cast<long>(options.setup_timeout_s + options.warmup_s +
                                                     10 * options.duration_s + 30)));
  for (const auto& room_id : room_ids) {
    try {
      delete_room(options.server, room_id);
    } catch (const std::exception&) {
    }
  }

  if (setup_failed || phase != Phase::Done || start.at == Clock::time_point{}) {
    std::map<std::string, int> states;
    int connected = 0, complete = 0;
    for (const auto& peer : peers) {
      ++states[peer->media_state()];
      connected += peer->media_connected();
      complete += peer->streams().size() >= static_cast<std::size_t>(options.publishers - peer->publisher());
    }
    std::cerr << "set-up did not complete: " << connected << "/" << peers.size() << " media connected, " << complete
              << " receiving every track; states:";
    for (const auto& [state, count] : states) std::cerr << " " << state << "=" << count;
    std::cerr << "\n";
    for (const auto& peer : peers) {
      std::cerr << (peer->publisher() ? "publisher" : "subscriber") << " " << peer->media_state() << " sent "
                << peer->packets_sent() << " received " << peer->packets_received() << " streams "
                << peer->streams().size() << " keyframe requests " << peer->keyframe_requests() << "\n";
    }
    return 1;
  }

  const double window_s = std::chrono::duration<double>(stopped.at - start.at).count();
  const double sent_packets = static_cast<double>(end.sent_packets - start.sent_packets);
  // With decryption, "received" counts exactly the packets sent inside the window (by their
  // payload tag), wherever they were queued; without it, whatever arrived between the snapshots.
  double received_packets = static_cast<double>(end.received_packets - start.received_packets);
  double received_bytes = static_cast<double>(end.received_bytes - start.received_bytes);
  double produced = 0;
  for (std::size_t i = 0; i < window->first.size(); ++i) produced += window->end[i] - window->first[i];
  const double receivers = options.publishers + options.subscribers - 1;  // of each stream, in its room
  double window_loss = -1;
  if (options.decrypt) {
    received_packets = 0;
    received_bytes = 0;
    for (const auto& peer : peers) {
      received_packets += static_cast<double>(peer->window_packets());
      received_bytes += static_cast<double>(peer->window_bytes());
    }
    window_loss = produced > 0 ? std::max(0.0, 1.0 - received_packets / (produced * receivers)) : 0.0;
  }
  const double expected = static_cast<double>(end.expected - start.expected);
  const double stream_received = static_cast<double>(end.stream_received - start.stream_received);
  const double loss = expected > 0 ? std::max(0.0, 1.0 - stream_received / expected) : 0.0;
  const double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double wall = window_s;
  std::uint64_t keyframe_requests = 0, srtp_failures = 0, total_received = 0;
  for (const auto& peer : peers) {
    keyframe_requests += peer->keyframe_requests();
    srtp_failures += peer->srtp_failures();
    total_received += peer->packets_received();
  }
  json report{
      {"rooms", options.rooms},
      {"publishers", options.publishers},
      {"subscribers", options.subscribers},
      {"peers", options.rooms * (options.publishers + options.subscribers)},
      {"bitrate_bps", options.bitrate_bps},
      {"packet_size", options.packet_size},
      {"decrypt", options.decrypt},
      {"setup_s", setup_s},
      {"window_s", window_s},
      {"sent_packets", sent_packets},
      {"sent_pps", sent_packets / window_s},
      {"sent_mbps", static_cast<double>(end.sent_bytes - start.sent_bytes) * 8 / window_s / 1e6},
      {"received_packets", received_packets},
      {"received_pps", received_packets / window_s},
      {"received_mbps", received_bytes * 8 / window_s / 1e6},
      {"expected_packets", produced * receivers},
      {"received_packets_whole_run", total_received},
      {"loss_pct", (window_loss >= 0 ? window_loss : loss) * 100},
      {"seq_gap_loss_pct", loss * 100},
      {"keyframe_requests", keyframe_requests},
      {"srtp_failures", srtp_failures},
  };
  const auto pct = [&](long from, long to) { return static_cast<double>(to - from) / ticks_per_s / wall * 100; };
  if (start.shoal_ticks.total() >= 0 && stopped.shoal_ticks.total() >= 0) {
    report["shoal_cpu_pct"] = pct(start.shoal_ticks.total(), stopped.shoal_ticks.total());
    // Kernel time (system) is mostly the sendto per packet and, on loopback, its delivery.
    report["shoal_user_cpu_pct"] = pct(start.shoal_ticks.user, stopped.shoal_ticks.user);
    report["shoal_system_cpu_pct"] = pct(start.shoal_ticks.system, stopped.shoal_ticks.system);
  }
  report["generator_cpu_pct"] = pct(start.own_ticks.total(), stopped.own_ticks.total());
  if (options.verbose) {
    for (const auto& peer : peers) {
      std::cerr << (peer->publisher() ? "publisher" : "subscriber") << " sent " << peer->packets_sent()
                << " received " << peer->packets_received() << ":";
      for (const auto& stream : peer->streams()) {
        std::cerr << " ssrc " << stream.ssrc << " received " << stream.received << " span "
                  << stream.highest - stream.first + 1 << ";";
      }
      std::cerr << "\n";
    }
  }
  if (options.json_output) {
    std::cout << report.dump() << "\n";
  } else {
    for (const auto& [key, value] : report.items()) std::cout << key << ": " << value.dump() << "\n";
  }
  return 0;
}
