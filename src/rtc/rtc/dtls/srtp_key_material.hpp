#pragma once

#include "rtc/srtp/srtp_profile.hpp"

#include <cstdint>
#include <vector>

namespace shoal::rtc::dtls {

using SrtpProfile = srtp::SrtpProfile;

// What a completed DTLS-SRTP handshake yields (RFC 5764 §4.2). Each vector is master key || master salt,
// master_key_salt_length(profile) bytes, ready for srtp::SrtpSession::create.
struct SrtpKeyMaterial {
  SrtpProfile profile = SrtpProfile::Aes128CmSha1_80;
  std::vector<std::uint8_t> local_key_salt;   // protects what we send (we are the DTLS server: server write key)
  std::vector<std::uint8_t> remote_key_salt;  // unprotects what the peer sends (client write key)
};

}  // namespace shoal::rtc::dtls
