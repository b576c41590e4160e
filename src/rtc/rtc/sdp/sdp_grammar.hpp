#pragma once
// Character-class checks shared by the parser and the answer writer: anything echoed into
// an answer line must be one of these so it cannot split fields or lines.
#include <algorithm>
#include <string_view>

namespace shoal::rtc::sdp {

// RFC 8866 token characters.
inline bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default: return false;
  }
}

inline bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

// Non-empty printable ASCII without spaces (ICE credentials, fingerprints, URIs, ids).
inline bool is_visible(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

}  // namespace shoal::rtc::sdp
