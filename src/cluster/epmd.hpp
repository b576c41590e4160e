#pragma once
// The local Erlang Port Mapper Daemon (EPMD, TCP 127.0.0.1:4369): started on demand like
// Jellyfish does, and queried the way `epmd -names` does.
#include <chrono>
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

// The NAMES answer of the local EPMD ("name shoal1 at port 40123\n" lines), as `epmd -names`
// prints it after its first line; nullopt when EPMD cannot be reached.
std::optional<std::string> epmd_names(std::chrono::milliseconds timeout);

}  // namespace shoal::cluster
