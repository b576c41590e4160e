#pragma once
// The local Erlang Port Mapper Daemon (EPMD, TCP 127.0.0.1:4369): started on demand like
// Jellyfish does, and queried the way `epmd -names` does.
#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace shoal::cluster {

inline constexpr unsigned short kEpmdPort = 4369;

// The error start-up reports when no EPMD can be reached or started.
inline constexpr const char* kEpmdStartError =
    "Couldn't start epmd daemon. Run `epmd -daemon` and restart shoal.";

// True when a TCP connection to 127.0.0.1:4369 succeeds within `timeout`.
bool epmd_reachable(std::chrono::milliseconds timeout);

// Makes sure an EPMD runs: when none answers, runs `<program> -daemon` (a no-op when one already
// runs) and retries for up to ~2 s. Returns an empty string on success, else kEpmdStartError.
std::string ensure_epmd(const std::string& program = "epmd");

// Where EPMD says a node listens (PORT_PLEASE2), asked of the EPMD at `host` (port 4369, or
// ERL_EPMD_PORT as ei reads it). Done here rather than by ei because ei waits with select(),
// which cannot take a descriptor above 1023: a busy node crashed dialling another.
struct EpmdLookup {
  enum class Result { Found, NotRegistered, Unreachable } result = Result::Unreachable;
  std::uint16_t port = 0;
};
EpmdLookup epmd_port_please(const in_addr& host, const std::string& alive, std::chrono::milliseconds timeout);

// The NAMES answer of the local EPMD ("name shoal1 at port 40123\n" lines), as `epmd -names`
// prints it after its first line; nullopt when EPMD cannot be reached.
std::optional<std::string> epmd_names(std::chrono::milliseconds timeout);

}  // namespace shoal::cluster
