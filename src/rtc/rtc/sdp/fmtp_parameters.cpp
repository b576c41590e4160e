#include "rtc/sdp/fmtp_parameters.hpp"

#include "rtc/sdp/session_description.hpp"

#include <charconv>

namespace shoal::rtc::sdp {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> fmtp_parameter(std::string_view fmtp, std::string_view key) {
  while (!fmtp.empty()) {
    auto end = fmtp.find(';');
    auto item = fmtp.substr(0, end);
    fmtp = end == std::string_view::npos ? std::string_view{} : fmtp.substr(end + 1);
    auto eq = item.find('=');
    auto name = trim(item.substr(0, eq));
    if (iequals(name, key)) {
      return eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::optional<int> fmtp_parameter_int(std::string_view fmtp, std::string_view key) {
  auto text = fmtp_parameter(fmtp, key);
  if (!text || text->empty()) return std::nullopt;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || ptr != text->data() + text->size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace shoal::rtc::sdp
