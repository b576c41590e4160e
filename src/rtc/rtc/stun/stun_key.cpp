#include "rtc/stun/stun_key.hpp"

#include <openssl/evp.h>

#include <memory>

namespace shoal::rtc::stun {
namespace {
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
}  // namespace

LongTermKey long_term_key(std::string_view username, std::string_view realm, std::string_view password) {
  LongTermKey key{};
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) return key;
  EVP_DigestUpdate(ctx.get(), username.data(), username.size());
  EVP_DigestUpdate(ctx.get(), ":", 1);
  EVP_DigestUpdate(ctx.get(), realm.data(), realm.size());
  EVP_DigestUpdate(ctx.get(), ":", 1);
  EVP_DigestUpdate(ctx.get(), password.data(), password.size());
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), key.data(), &length);
  return key;
}

}  // namespace shoal::rtc::stun
