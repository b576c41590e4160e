#include "rtc/sdp/answer_builder.hpp"

#include "rtc/sdp/media_negotiation.hpp"
#include "rtc/sdp/sdp_grammar.hpp"
#include "rtc/sdp/sdp_parser.hpp"

#include <algorithm>

namespace shoal::rtc::sdp {
namespace {

class AnswerWriter {
 public:
  explicit AnswerWriter(const AnswerPlan& plan) : plan_(plan) {}

  void session(const std::vector<NegotiatedMedia>& media) {
    line("v=0");
    line("o=- ", std::to_string(plan_.session_id), " ", std::to_string(plan_.session_version),
         " IN IP4 127.0.0.1");
    line("s=-");
    line("t=0 0");
    std::string bundle;
    for (const auto& m : media) {
      if (!m.rejected) bundle += " " + m.mid;
    }
    if (!bundle.empty()) line("a=group:BUNDLE", bundle);
    line("a=extmap-allow-mixed");
    line("a=ice-lite");
  }

  void rejected(const MediaSection& offered) {
    line("m=", offered.kind_text, " 0 ", offered.protocol, " ", offered.formats);
    line("c=IN IP4 0.0.0.0");
    if (!offered.mid.empty()) line("a=mid:", offered.mid);
  }

  void media(const MediaSection& offered, const NegotiatedMedia& m) {
    bool active = m.answer_direction != Direction::Inactive;
    // An inactive answer still needs one format the browser offered.
    int pt = active ? m.payload_type
             : offered.codecs.empty() ? offered.payload_types.front()
                                      : offered.codecs.front().payload_type;
    std::string formats = std::to_string(pt);
    if (active && m.rtx_payload_type) formats += " " + std::to_string(*m.rtx_payload_type);
    line("m=", offered.kind_text, " 9 ", offered.protocol, " ", formats);
    line("c=IN IP4 0.0.0.0");
    line("a=", to_string(m.answer_direction));
    line("a=ice-ufrag:", plan_.ice_ufrag);
    line("a=ice-pwd:", plan_.ice_pwd);
    line("a=ice-options:trickle");
    line("a=fingerprint:sha-256 ", plan_.fingerprint_sha256);
    line("a=setup:passive");
    line("a=mid:", m.mid);
    const OutboundTrackPlan* outbound = nullptr;
    if (auto found = plan_.outbound.find(m.mid);
        m.answer_direction == Direction::SendOnly && found != plan_.outbound.end()) {
      outbound = &found->second;
      line("a=msid:", outbound->stream_id);
    }
    line("a=rtcp-mux");
    codec_lines(offered, pt);
    if (!active) return;
    if (m.rtx_payload_type) codec_lines(offered, *m.rtx_payload_type);
    for (const auto& ext : m.extensions) {
      line("a=extmap:", std::to_string(ext.id), " ", ext.uri, ext.attributes.empty() ? "" : " ",
           ext.attributes);
    }
    for (const auto& fb : m.rtcp_fb) line("a=rtcp-fb:", std::to_string(pt), " ", fb);
    if (m.kind == MediaKind::Video) line("a=rtcp-rsize");
    if (!m.rids.empty()) {
      std::string list;
      for (const auto& rid : m.rids) {
        line("a=rid:", rid, " recv");
        list += (list.empty() ? "" : ";") + rid;
      }
      line("a=simulcast:recv ", list);
    }
    if (outbound) {
      line("a=ssrc:", std::to_string(outbound->ssrc), " cname:", outbound->track_id, "-",
           to_string(m.kind), "-", outbound->stream_id);
    }
  }

  std::string take() { return std::move(out_); }

 private:
  void codec_lines(const MediaSection& offered, int pt) {
    const Codec* codec = find_codec(offered, pt);
    if (!codec) return;  // a static payload type offered without rtpmap
    std::string rtpmap = codec->name + "/" + std::to_string(codec->clock_rate);
    if (codec->channels > 0) rtpmap += "/" + std::to_string(codec->channels);
    line("a=rtpmap:", std::to_string(pt), " ", rtpmap);
    if (!codec->fmtp.empty()) line("a=fmtp:", std::to_string(pt), " ", codec->fmtp);
  }

  template <typename... Parts>
  void line(const Parts&... parts) {
    (out_.append(parts), ...);
    out_.append("\r\n");
  }

  const AnswerPlan& plan_;
  std::string out_;
};

// Plan strings end up inside SDP lines; a space or control character would corrupt them.
bool plan_is_valid(const AnswerPlan& plan) {
  if (!is_visible(plan.ice_ufrag) || !is_visible(plan.ice_pwd) ||
      !is_visible(plan.fingerprint_sha256)) {
    return false;
  }
  for (const auto& [mid, track] : plan.outbound) {
    if (!is_visible(track.track_id) || !is_visible(track.stream_id) || !is_token(track.codec_name)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(OfferError error) {
  switch (error) {
    case OfferError::Unparsable: return "unparsable sdp offer";
    case OfferError::SendRecvNotAllowed: return "sendrecv m-lines are not allowed";
    case OfferError::NoMedia: return "offer has no audio or video";
    case OfferError::InvalidPlan: return "invalid answer plan";
  }
  return "unknown offer error";
}

core::Result<Answer, OfferError> build_answer(const SessionDescription& offer, const AnswerPlan& plan) {
  if (!plan_is_valid(plan)) return OfferError::InvalidPlan;
  bool any_av = false;
  for (const auto& m : offer.media) {
    bool av = m.kind == MediaKind::Audio || m.kind == MediaKind::Video;
    any_av = any_av || av;
    if (av && m.port != 0 && m.direction == Direction::SendRecv) return OfferError::SendRecvNotAllowed;
  }
  if (!any_av) return OfferError::NoMedia;

  Answer answer;
  answer.media.reserve(offer.media.size());
  for (const auto& m : offer.media) answer.media.push_back(negotiate_media(m, plan));

  AnswerWriter writer(plan);
  writer.session(answer.media);
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    if (answer.media[i].rejected) {
      writer.rejected(offer.media[i]);
    } else {
      writer.media(offer.media[i], answer.media[i]);
    }
  }
  answer.sdp = writer.take();
  return answer;
}

core::Result<Answer, OfferError> build_answer(std::string_view offer_sdp, const AnswerPlan& plan) {
  auto parsed = parse_sdp(offer_sdp);
  if (!parsed) return OfferError::Unparsable;
  return build_answer(*parsed, plan);
}

}  // namespace shoal::rtc::sdp
