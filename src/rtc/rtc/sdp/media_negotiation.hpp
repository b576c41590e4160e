#pragma once
// Decides how one offered m-line is answered (codec, RTX, extensions, feedback, simulcast)
// following membrane_webrtc_plugin 0.16.1 as used by Jellyfish v0.2.1.
#include "rtc/sdp/answer_plan.hpp"
#include "rtc/sdp/negotiated_media.hpp"
#include "rtc/sdp/session_description.hpp"

namespace shoal::rtc::sdp {

// Whether the room's codec policy accepts `codec` for an inbound m-line of `kind`.
bool inbound_codec_allowed(const Codec& codec, MediaKind kind, VideoCodecFilter filter);

// The offer must be audio/video with a mid and not sendrecv; build_answer() checks that
// first. Never fails: everything unacceptable becomes an inactive/rejected result.
NegotiatedMedia negotiate_media(const MediaSection& offered, const AnswerPlan& plan);

}  // namespace shoal::rtc::sdp
