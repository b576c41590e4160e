#pragma once
#include <openssl/crypto.h>

#include <string_view>

namespace shoal::auth {

// Compares a presented secret with the expected one without an early exit on the first
// differing byte (only the length can show), so timing does not reveal how much matched.
inline bool secrets_equal(std::string_view presented, std::string_view expected) {
  return presented.size() == expected.size() &&
         CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

}  // namespace shoal::auth
