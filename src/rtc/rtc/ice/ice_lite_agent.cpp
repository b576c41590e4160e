#include "rtc/ice/ice_lite_agent.hpp"

#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message_builder.hpp"

#include <algorithm>

namespace shoal::rtc::ice {

namespace {

constexpr std::size_t kMaxVerifiedPaths = 16;

bool username_matches(std::string_view username, const IceCredentials& local) {
  // RFC 8445 7.3: USERNAME is "<receiver ufrag>:<sender ufrag>".
  return username.size() > local.ufrag.size() && username.starts_with(local.ufrag) &&
         username[local.ufrag.size()] == ':';
}

}  // namespace

IceLiteAgent::IceLiteAgent() : current_(random_ice_credentials()) {}

const IceCredentials& IceLiteAgent::restart() {
  previous_ = std::move(current_);
  current_ = random_ice_credentials();
  return current_;
}

BindingVerdict IceLiteAgent::handle_binding(const stun::StunMessage& message, PathId path,
                                            const boost::asio::ip::udp::endpoint& mapped,
                                            std::vector<std::uint8_t>& response) {
  if (!message.is(stun::StunMethod::Binding, stun::StunClass::Request)) return BindingVerdict::NotARequest;
  auto username = message.username();
  if (!username) return BindingVerdict::Unauthenticated;

  const IceCredentials* credentials = nullptr;
  if (username_matches(*username, current_)) {
    credentials = &current_;
  } else if (previous_ && username_matches(*username, *previous_)) {
    credentials = &*previous_;
  }
  // Unlike the original (which answered anything), a check must prove it knows our password:
  // otherwise anyone who can reach the TURN port could steer where media goes.
  if (credentials == nullptr || !stun::verify_message_integrity(message, stun::short_term_key(credentials->pwd))) {
    return BindingVerdict::Unauthenticated;
  }
  if (message.fingerprint_offset() && !stun::verify_fingerprint(message)) return BindingVerdict::Unauthenticated;
  if (credentials == &current_) previous_.reset();

  stun::StunMessageBuilder builder(response, stun::StunMethod::Binding, stun::StunClass::SuccessResponse,
                                   message.transaction_id());
  builder.add_xor_address(stun::StunAttr::XorMappedAddress, mapped)
      .add_message_integrity(stun::short_term_key(credentials->pwd))
      .add_fingerprint();
  if (!builder.ok()) return BindingVerdict::Unauthenticated;

  if (!verified(path)) {
    if (verified_.size() >= kMaxVerifiedPaths) verified_.erase(verified_.begin());
    verified_.push_back(path);
  }
  if (message.use_candidate()) {
    selected_ = path;  // the latest nomination wins, as in the original
    return BindingVerdict::Nominated;
  }
  return BindingVerdict::Answered;
}

bool IceLiteAgent::verified(PathId path) const {
  return std::find(verified_.begin(), verified_.end(), path) != verified_.end();
}

void IceLiteAgent::forget_path(PathId path) {
  std::erase(verified_, path);
  if (selected_ == path) selected_.reset();
}

}  // namespace shoal::rtc::ice
