#pragma once

namespace shoal::rtc::srtp {

// libsrtp keeps process-global state (crypto kernel); it must be initialised exactly once before any session
// is created. Safe to call from any thread, any number of times. Returns false if libsrtp failed to start.
bool ensure_srtp_initialized();

}  // namespace shoal::rtc::srtp
