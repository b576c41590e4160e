#pragma once
#include <string>

namespace shoal::rtc::ice {

struct IceCredentials {
  std::string ufrag;  // 4 characters, as the original
  std::string pwd;    // 22 characters
};

// Fresh random credentials from [0-9a-zA-Z] (OpenSSL's CSPRNG): a new pair per ICE restart.
IceCredentials random_ice_credentials();

}  // namespace shoal::rtc::ice
