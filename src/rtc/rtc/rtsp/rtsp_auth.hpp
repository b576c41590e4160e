#pragma once
// RTSP authentication as sources ask for it (RFC 2326 §D.1 defers to HTTP's): a 401 carries one
// or more WWW-Authenticate challenges; the client answers with Basic (RFC 7617) or Digest
// (RFC 7616: MD5 or SHA-256, with or without qop=auth) from the credentials of the source URI.
// Challenges come from the source and are untrusted: parsing is bounded, never throws, and
// anything this client cannot answer is reported as absent.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace shoal::rtc::rtsp {

struct Credentials {
  std::string user;
  std::string password;
};

enum class AuthScheme { Basic, Digest };
enum class DigestAlgorithm { Md5, Sha256 };

struct AuthChallenge {
  AuthScheme scheme = AuthScheme::Basic;
  std::string realm;
  // Digest only:
  std::string nonce;
  std::string opaque;
  DigestAlgorithm algorithm = DigestAlgorithm::Md5;
  bool algorithm_named = false;  // the challenge said algorithm=…, so the answer says it too
  bool qop_auth = false;         // qop offered "auth"
  bool stale = false;            // the nonce expired, the credentials were fine
};

// One WWW-Authenticate value; nullopt for other schemes, -sess algorithms, qop without "auth",
// a Digest challenge without a nonce, or a malformed value.
std::optional<AuthChallenge> parse_challenge(std::string_view value);
// The one to answer among a 401's challenges: Digest SHA-256, then Digest MD5, then Basic.
std::optional<AuthChallenge> choose_challenge(std::span<const std::string_view> values);

// Authorization header values for the requests of one session, after a challenge.
class RequestAuthorizer {
 public:
  // `cnonce`: the client nonce for qop=auth (random per session; fixed in tests).
  RequestAuthorizer(Credentials credentials, AuthChallenge challenge, std::string cnonce);

  std::string authorization(std::string_view method, std::string_view uri);
  const AuthChallenge& challenge() const { return challenge_; }

 private:
  Credentials credentials_;
  AuthChallenge challenge_;
  std::string cnonce_;
  std::uint32_t nonce_count_ = 0;
};

}  // namespace shoal::rtc::rtsp
