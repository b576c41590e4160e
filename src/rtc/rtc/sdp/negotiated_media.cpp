#include "rtc/sdp/negotiated_media.hpp"

namespace shoal::rtc::sdp {

std::string_view to_string(InactiveReason reason) {
  switch (reason) {
    case InactiveReason::None: return "active";
    case InactiveReason::Rejected: return "rejected";
    case InactiveReason::OfferedInactive: return "offered inactive";
    case InactiveReason::NoTrack: return "no track for mid";
    case InactiveReason::KindMismatch: return "track kind differs from m-line";
    case InactiveReason::NoCodec: return "no acceptable codec";
    case InactiveReason::SimulcastNotAllowed: return "simulcast not allowed";
    case InactiveReason::UnsupportedRid: return "unsupported rid";
  }
  return "unknown";
}

}  // namespace shoal::rtc::sdp
