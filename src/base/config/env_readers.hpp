#pragma once
// Readers for single JF_* values. Each mirrors one reader of Jellyfish v0.2.1's ConfigReader,
// including its exact error text, so operators see the messages the documentation shows.
#include "core/result.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace shoal::config {

// Returns the value of an environment variable, or nullopt when it is unset.
// A variable set to "" is *set* (as in the original).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

EnvLookup process_environment();

struct PortRange {
  std::uint16_t from = 0;
  std::uint16_t to = 0;
  bool operator==(const PortRange&) const = default;
};

// A variable's parsed value (nullopt: unset, the default stands), or for an invalid value the
// user-facing error text start-up prints.
template <typename T>
using ReadResult = core::Result<std::optional<T>, std::string>;

// IPv4 (with the short forms Erlang's :inet.parse_address accepts, e.g. "127.1") or IPv6.
ReadResult<boost::asio::ip::address> read_ip(const EnvLookup& env, std::string_view name);
// Leading decimal integer in 1..65535, trailing garbage ignored ("8080abc" -> 8080).
ReadResult<std::uint16_t> read_port(const EnvLookup& env, std::string_view name);
// "true"/"false", case-insensitive.
ReadResult<bool> read_boolean(const EnvLookup& env, std::string_view name);
// "from-to", 0 <= from <= to <= 65535.
ReadResult<PortRange> read_port_range(const EnvLookup& env, std::string_view name);

// Pure parsers used by the readers (exposed for tests and other callers).
std::optional<boost::asio::ip::address> parse_ip(std::string_view text);
std::optional<std::uint16_t> parse_port(std::string_view text);
std::optional<PortRange> parse_port_range(std::string_view text);

// Formats an address as Erlang's :inet.ntoa does (used for the default JF_HOST).
std::string ntoa(const boost::asio::ip::address& address);

}  // namespace shoal::config
