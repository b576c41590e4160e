#pragma once
// Builds the SDP answer Jellyfish v0.2.1 gives to a browser offer: ICE-lite, DTLS passive,
// everything BUNDLEd, one answered m-line per offered m-line in offer order.
#include "core/result.hpp"
#include "rtc/sdp/answer_plan.hpp"
#include "rtc/sdp/negotiated_media.hpp"
#include "rtc/sdp/session_description.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::sdp {

struct Answer {
  std::string sdp;                    // CRLF-terminated lines
  std::vector<NegotiatedMedia> media;  // one per offered m-line, same order (incl. rejected)
};

enum class OfferError {
  Unparsable,          // parse_sdp() failed (text overload only)
  SendRecvNotAllowed,  // an active a=sendrecv audio/video m-line (the original crashes)
  NoMedia,             // no audio/video m-line at all
  InvalidPlan,         // a plan string unfit for SDP (empty credentials, spaces, controls)
};

std::string_view to_string(OfferError error);

// More recvonly m-lines than planned outbound tracks are not an error: the extra ones are
// answered inactive (InactiveReason::NoTrack), as are sendonly m-lines without a track.
core::Result<Answer, OfferError> build_answer(const SessionDescription& offer, const AnswerPlan& plan);
core::Result<Answer, OfferError> build_answer(std::string_view offer_sdp, const AnswerPlan& plan);

}  // namespace shoal::rtc::sdp
