#include "rtc/srtp/srtp_library.hpp"

#include <srtp2/srtp.h>

#include <mutex>

namespace shoal::rtc::srtp {

bool ensure_srtp_initialized() {
  static std::once_flag once;
  static bool ok = false;
  // Never shut down: sessions may live until process exit and srtp_shutdown would pull the kernel from under them.
  std::call_once(once, [] { ok = srtp_init() == srtp_err_status_ok; });
  return ok;
}

}  // namespace shoal::rtc::srtp
