#include "api/request_params.hpp"

#include "core/json_limits.hpp"

#include <cctype>

namespace shoal::api {

using nlohmann::json;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view media_type(std::string_view content_type) {
  auto end = content_type.find(';');
  auto type = content_type.substr(0, end);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

json parse_urlencoded(std::string_view text) {
  json params = json::object();
  while (!text.empty()) {
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
    if (!key.empty()) params[key] = value;
  }
  return params;
}

std::optional<json> parse_params(const Request& request) {
  std::string_view target = request.target();
  auto question = target.find('?');
  json params = question == std::string_view::npos ? json::object()
                                                    : parse_urlencoded(target.substr(question + 1));
  auto type = media_type(request[http::field::content_type]);
  const auto& body = request.body();
  json body_params = json::object();
  if (iequals(type, "application/json") || (type.size() > 5 && type.substr(type.size() - 5) == "+json")) {
    if (!body.empty()) {
      auto parsed = core::parse_untrusted_json(body);
      if (!parsed) return std::nullopt;
      if (parsed->is_object()) {
        body_params = std::move(*parsed);
      } else {
        body_params["_json"] = std::move(*parsed);
      }
    }
  } else if (iequals(type, "application/x-www-form-urlencoded")) {
    body_params = parse_urlencoded(body);
  }
  for (auto& [key, value] : body_params.items()) params[key] = std::move(value);
  return params;
}

}  // namespace shoal::api
