#include "rtc/rtcp/source_description.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

namespace {
constexpr std::uint8_t kCname = 1;

// Walks one chunk starting at pos; on success pos is the next chunk's start and cname (if any)
// is filled in.
bool walk_chunk(std::span<const std::uint8_t> body, std::size_t& pos, SdesCname& cname, bool& has_cname) {
  if (body.size() - pos < 4) return false;
  cname.ssrc = load_u32(body, pos);
  has_cname = false;
  pos += 4;
  while (true) {
    if (pos >= body.size()) return false;
    const std::uint8_t type = body[pos];
    if (type == 0) break;
    if (body.size() - pos < 2) return false;
    const std::size_t length = body[pos + 1];
    if (body.size() - pos - 2 < length) return false;
    if (type == kCname && !has_cname) {
      cname.cname = std::string_view(reinterpret_cast<const char*>(body.data() + pos + 2), length);
      has_cname = true;
    }
    pos += 2 + length;
  }
  // Terminating null item, then null octets up to the next word boundary (at least one).
  pos = (pos / 4 + 1) * 4;
  return pos <= body.size();
}
}  // namespace

std::optional<SourceDescription> SourceDescription::parse(const RtcpPacketView& view) {
  if (view.type != kSourceDescription) return std::nullopt;
  SourceDescription sdes;
  sdes.body_ = view.body;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < view.count; ++i) {
    SdesCname ignored;
    bool has_cname = false;
    if (!walk_chunk(view.body, pos, ignored, has_cname)) return std::nullopt;
  }
  sdes.chunk_count_ = view.count;
  return sdes;
}

std::optional<SdesCname> SourceDescription::next_cname(std::size_t& cursor) const {
  // cursor counts chunks; re-walking from the start keeps the view trivially copyable and SDES
  // packets are tiny.
  std::size_t pos = 0;
  for (std::size_t i = 0; i < chunk_count_; ++i) {
    SdesCname cname;
    bool has_cname = false;
    if (!walk_chunk(body_, pos, cname, has_cname)) return std::nullopt;
    if (i >= cursor && has_cname) {
      cursor = i + 1;
      return cname;
    }
  }
  cursor = chunk_count_;
  return std::nullopt;
}

}  // namespace shoal::rtc::rtcp
