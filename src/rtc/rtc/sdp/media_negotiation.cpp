#include "rtc/sdp/media_negotiation.hpp"

#include "rtc/sdp/h264_profile_level_id.hpp"
#include "rtc/sdp/header_extension.hpp"

#include <algorithm>
#include <iterator>

namespace shoal::rtc::sdp {
namespace {

constexpr std::string_view kSupportedRids[] = {"l", "m", "h"};

template <typename Range, typename T>
bool contains(const Range& range, const T& value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

NegotiatedMedia inactive(NegotiatedMedia media, InactiveReason reason) {
  media.answer_direction = Direction::Inactive;
  media.inactive_reason = reason;
  return media;
}

void take_codec(NegotiatedMedia& out, const MediaSection& offered, const Codec& codec) {
  out.payload_type = codec.payload_type;
  out.rtx_payload_type = rtx_payload_type_for(offered, codec.payload_type);
  out.codec_name = codec.name;
  out.clock_rate = codec.clock_rate;
  out.channels = codec.channels;
  out.fmtp = codec.fmtp;
}

// `publisher_uris` limits outbound m-lines to what the forwarded track actually carries.
void take_extensions(NegotiatedMedia& out, const MediaSection& offered,
                     const std::vector<std::string>* publisher_uris) {
  bool opus = iequals(out.codec_name, "opus");
  for (const auto& extmap : offered.extmaps) {
    if (!is_allowed_extension(extmap.uri, opus)) continue;
    if (publisher_uris && !contains(*publisher_uris, extmap.uri)) continue;
    out.extensions.push_back(
        Extmap{extmap.id, extmap.uri, std::string(answer_extension_attributes(extmap.uri))});
  }
}

void take_rtcp_feedback(NegotiatedMedia& out, const Codec& codec) {
  bool twcc = std::any_of(out.extensions.begin(), out.extensions.end(),
                          [](const Extmap& e) { return e.uri == kExtTwcc; });
  for (const auto& fb : codec.rtcp_fb) {
    bool video_fb = out.kind == MediaKind::Video && (fb == "nack" || fb == "nack pli" || fb == "ccm fir");
    bool keep = video_fb || (twcc && fb == "transport-cc");
    if (keep && !contains(out.rtcp_fb, fb)) out.rtcp_fb.push_back(fb);
  }
}

// The browser's RTX SSRCs are the non-first members of its FID groups.
void take_inbound_ssrcs(NegotiatedMedia& out, const MediaSection& offered) {
  for (auto ssrc : offered.ssrcs) {
    bool is_rtx = std::any_of(offered.ssrc_groups_fid.begin(), offered.ssrc_groups_fid.end(),
                              [&](const auto& group) {
                                return group.size() >= 2 &&
                                       std::find(group.begin() + 1, group.end(), ssrc) != group.end();
                              });
    if (!is_rtx) out.ssrcs.push_back(ssrc);
  }
  if (out.ssrcs.empty()) return;
  for (const auto& group : offered.ssrc_groups_fid) {
    if (group.size() >= 2 && group[0] == out.ssrcs.front()) {
      out.rtx_ssrc = group[1];
      break;
    }
  }
}

NegotiatedMedia negotiate_inbound(NegotiatedMedia out, const MediaSection& offered,
                                  const AnswerPlan& plan) {
  auto track = plan.inbound.find(offered.mid);
  if (track == plan.inbound.end()) return inactive(std::move(out), InactiveReason::NoTrack);
  out.track_id = track->second.track_id;
  if (!offered.rids_send.empty()) {
    // The original disables the whole track rather than answering without simulcast,
    // because browsers change SSRCs after the next ICE restart in that case.
    if (!plan.simulcast_allowed) return inactive(std::move(out), InactiveReason::SimulcastNotAllowed);
    for (const auto& rid : offered.rids_send) {
      if (!contains(kSupportedRids, rid)) return inactive(std::move(out), InactiveReason::UnsupportedRid);
    }
  }
  auto codec = std::find_if(offered.codecs.begin(), offered.codecs.end(), [&](const Codec& c) {
    return inbound_codec_allowed(c, offered.kind, plan.video_filter);
  });
  if (codec == offered.codecs.end()) return inactive(std::move(out), InactiveReason::NoCodec);

  out.answer_direction = Direction::RecvOnly;
  take_codec(out, offered, *codec);
  take_extensions(out, offered, nullptr);
  take_rtcp_feedback(out, *codec);
  take_inbound_ssrcs(out, offered);
  out.rids = offered.rids_send;
  return out;
}

NegotiatedMedia negotiate_outbound(NegotiatedMedia out, const MediaSection& offered,
                                   const AnswerPlan& plan) {
  auto track = plan.outbound.find(offered.mid);
  if (track == plan.outbound.end()) return inactive(std::move(out), InactiveReason::NoTrack);
  const auto& remote = track->second;
  out.track_id = remote.track_id;
  if (remote.kind != offered.kind) return inactive(std::move(out), InactiveReason::KindMismatch);
  // Same-name match only (no H264 profile matching), like the original.
  auto codec = std::find_if(offered.codecs.begin(), offered.codecs.end(),
                            [&](const Codec& c) { return iequals(c.name, remote.codec_name); });
  if (codec == offered.codecs.end()) return inactive(std::move(out), InactiveReason::NoCodec);

  out.answer_direction = Direction::SendOnly;
  take_codec(out, offered, *codec);
  take_extensions(out, offered, &remote.extension_uris);
  take_rtcp_feedback(out, *codec);
  out.ssrcs.push_back(remote.ssrc);
  return out;
}

}  // namespace

bool inbound_codec_allowed(const Codec& codec, MediaKind kind, VideoCodecFilter filter) {
  if (kind == MediaKind::Audio) return iequals(codec.name, "opus");
  if (kind != MediaKind::Video) return false;
  if (iequals(codec.name, "VP8")) return filter != VideoCodecFilter::H264;
  if (iequals(codec.name, "H264")) {
    if (filter == VideoCodecFilter::Any) return true;
    return filter == VideoCodecFilter::H264 && is_constrained_baseline(codec.fmtp);
  }
  // The original's "any" filter lets other codecs through and then crashes on them;
  // skipping them picks the first codec shoal can actually forward.
  return false;
}

NegotiatedMedia negotiate_media(const MediaSection& offered, const AnswerPlan& plan) {
  NegotiatedMedia out;
  out.mid = offered.mid;
  out.kind = offered.kind;
  // Without payload types (a non-RTP protocol) or a mid (needed for BUNDLE) an audio/video
  // line cannot be answered usefully; rejecting it is always valid.
  bool av = offered.kind == MediaKind::Audio || offered.kind == MediaKind::Video;
  if (offered.port == 0 || !av || offered.mid.empty() || offered.payload_types.empty()) {
    out.rejected = true;
    return inactive(std::move(out), InactiveReason::Rejected);
  }
  switch (offered.direction) {
    case Direction::SendOnly: return negotiate_inbound(std::move(out), offered, plan);
    case Direction::RecvOnly: return negotiate_outbound(std::move(out), offered, plan);
    case Direction::Inactive:
    case Direction::SendRecv: break;
  }
  return inactive(std::move(out), InactiveReason::OfferedInactive);
}

}  // namespace shoal::rtc::sdp
