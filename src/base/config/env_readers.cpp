#include "config/env_readers.hpp"

#include <arpa/inet.h>

#include <cstdlib>
#include <vector>

namespace shoal::config {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Values above any limit we check only need to stay "too big", so saturate instead of
// overflowing on long inputs.
std::uint64_t saturating_decimal(std::string_view digits) {
  constexpr std::uint64_t kCap = 1ULL << 40;
  std::uint64_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > kCap) return kCap;
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// Erlang's :inet.parse_address accepts "a.b.c.d", "a.b.c" (c fills 16 bits), "a.b" (b fills
// 24 bits) and "a" (32 bits). It also reads "0x.." as hex and a leading 0 as octal; we accept
// decimal only, and refuse leading zeros rather than silently read "010" as 10 where the
// original would have meant 8.
std::optional<boost::asio::ip::address_v4> parse_ipv4(std::string_view text) {
  auto parts = split(text, '.');
  if (parts.size() > 4) return std::nullopt;
  std::vector<std::uint64_t> values;
  for (auto part : parts) {
    if (!all_digits(part) || part.size() > 10) return std::nullopt;
    if (part.size() > 1 && part.front() == '0') return std::nullopt;
    values.push_back(saturating_decimal(part));
  }
  const int tail_bits = 8 * static_cast<int>(5 - parts.size());
  std::uint64_t result = 0;
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    if (values[i] > 255) return std::nullopt;
    result |= values[i] << (24 - 8 * i);
  }
  if (values.back() >= (1ULL << tail_bits)) return std::nullopt;
  result |= values.back();
  return boost::asio::ip::address_v4(static_cast<std::uint32_t>(result));
}

// inet_pton directly (not asio's make_address_v6) so "%scope" suffixes are refused like
// Erlang does.
std::optional<boost::asio::ip::address_v6> parse_ipv6(std::string_view text) {
  std::string terminated(text);
  if (terminated.find('\0') != std::string::npos) return std::nullopt;
  boost::asio::ip::address_v6::bytes_type bytes{};
  if (::inet_pton(AF_INET6, terminated.c_str(), bytes.data()) != 1) return std::nullopt;
  return boost::asio::ip::address_v6(bytes);
}

std::string bad_value(std::string_view name, std::string_view expected, std::string_view value) {
  std::string text = "Bad ";
  text.append(name).append(" environment variable value. ").append(expected);
  text.append(", got: ").append(value);
  return text;
}

// Runs `parse` on a set variable; unset stays "use default".
template <typename T, typename Parse>
ReadResult<T> read_with(const EnvLookup& env, std::string_view name, Parse parse,
                        std::string (*error_text)(std::string_view, std::string_view)) {
  auto raw = env(name);
  if (!raw) return std::optional<T>{};
  std::optional<T> value = parse(*raw);
  if (!value) return error_text(name, *raw);
  return value;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<boost::asio::ip::address> parse_ip(std::string_view text) {
  if (auto v4 = parse_ipv4(text)) return boost::asio::ip::address(*v4);
  if (auto v6 = parse_ipv6(text)) return boost::asio::ip::address(*v6);
  return std::nullopt;
}

// Elixir's Integer.parse: optional sign, at least one digit, the rest ignored.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  if (digits == 0 || negative) return std::nullopt;
  auto value = saturating_decimal(text.substr(0, digits));
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<PortRange> parse_port_range(std::string_view text) {
  auto parts = split(text, '-');
  if (parts.size() != 2 || !all_digits(parts[0]) || !all_digits(parts[1])) return std::nullopt;
  auto from = saturating_decimal(parts[0]);
  auto to = saturating_decimal(parts[1]);
  if (from > to || to > 65535) return std::nullopt;
  return PortRange{static_cast<std::uint16_t>(from), static_cast<std::uint16_t>(to)};
}

ReadResult<boost::asio::ip::address> read_ip(const EnvLookup& env, std::string_view name) {
  return read_with<boost::asio::ip::address>(
      env, name, parse_ip, [](std::string_view var, std::string_view value) {
        // The trailing quote is a typo in v0.2.1's message, kept so the text matches.
        return bad_value(var, "Expected valid ip address", value) + "\"";
      });
}

ReadResult<std::uint16_t> read_port(const EnvLookup& env, std::string_view name) {
  return read_with<std::uint16_t>(env, name, parse_port,
                                  [](std::string_view var, std::string_view value) {
                                    return bad_value(var, "Expected valid port number", value);
                                  });
}

ReadResult<bool> read_boolean(const EnvLookup& env, std::string_view name) {
  auto parse = [](std::string_view text) -> std::optional<bool> {
    auto lower = ascii_lower(text);
    if (lower == "true") return true;
    if (lower == "false") return false;
    return std::nullopt;
  };
  return read_with<bool>(env, name, parse, [](std::string_view var, std::string_view value) {
    return bad_value(var, "Expected true or false", value);
  });
}

ReadResult<PortRange> read_port_range(const EnvLookup& env, std::string_view name) {
  return read_with<PortRange>(
      env, name, parse_port_range, [](std::string_view var, std::string_view value) {
        return bad_value(var,
                         "Expected \"from-to\", where `from` and `to` are numbers between 0 and "
                         "65535 and `from` is not bigger than `to`",
                         value);
      });
}

std::string ntoa(const boost::asio::ip::address& address) { return address.to_string(); }

}  // namespace shoal::config
