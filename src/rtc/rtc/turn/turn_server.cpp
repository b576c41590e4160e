#include "rtc/turn/turn_server.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/stun_message_builder.hpp"
#include "rtc/turn/turn_client_message.hpp"
#include "rtc/turn/turn_credentials.hpp"

namespace shoal::rtc::turn {
namespace {

using boost::asio::ip::udp;
using stun::StunAttr;
using stun::StunClass;
using stun::StunMessage;
using stun::StunMessageBuilder;
using stun::StunMethod;

constexpr std::uint8_t kUdpProtocol = 17;
constexpr std::uint8_t kFamilyIpv4 = 0x01;
constexpr std::uint16_t kMaxBindableChannel = 0x7FFE;
constexpr std::size_t kMaxUnknownListed = 8;

bool is_known_request_attribute(std::uint16_t type) {
  switch (static_cast<StunAttr>(type)) {
    case StunAttr::MappedAddress:
    case StunAttr::Username:
    case StunAttr::MessageIntegrity:
    case StunAttr::ErrorCode:
    case StunAttr::UnknownAttributes:
    case StunAttr::ChannelNumber:
    case StunAttr::Lifetime:
    case StunAttr::XorPeerAddress:
    case StunAttr::Data:
    case StunAttr::Realm:
    case StunAttr::Nonce:
    case StunAttr::XorRelayedAddress:
    case StunAttr::RequestedAddressFamily:
    case StunAttr::EvenPort:
    case StunAttr::RequestedTransport:
    case StunAttr::DontFragment:
    case StunAttr::XorMappedAddress:
    case StunAttr::ReservationToken:
    case StunAttr::Priority:
    case StunAttr::UseCandidate:
      return true;
    default:
      return false;
  }
}

}  // namespace

TurnServer::TurnServer(TurnServerConfig config, TurnServerHandler& handler)
    : config_(std::move(config)), handler_(handler), nonces_(config_.nonce_lifetime), rng_(std::random_device{}()) {
  if (config_.relay_port_min > config_.relay_port_max) std::swap(config_.relay_port_min, config_.relay_port_max);
  allocations_.reserve(config_.max_allocations);
  closed_.reserve(config_.max_allocations);
  response_.reserve(1024);
  data_.reserve(2048);
  if (RAND_bytes(indication_id_.data(), static_cast<int>(indication_id_.size())) != 1) {
    for (auto& b : indication_id_) b = static_cast<std::uint8_t>(rng_());
  }
}

// ---- entry points -------------------------------------------------------------------------

void TurnServer::handle_from_client(const TurnClient& client, std::span<const std::uint8_t> message, core::Time now) {
  now_ = std::max(now_, now);
  const auto classified = classify_client_message(message);
  switch (classified.kind) {
    case TurnClientMessage::Kind::Stun:
      handle_stun(client, *classified.stun);
      return;
    case TurnClientMessage::Kind::ChannelData:
      handle_channel_data(client, *classified.channel_data);
      return;
    case TurnClientMessage::Kind::NotStun:
      ++stats_.dropped_unexpected;
      return;
    case TurnClientMessage::Kind::Malformed:
      ++stats_.dropped_malformed;
      return;
  }
}

bool TurnServer::send_from_peer(const TurnClient& client, const udp::endpoint& peer,
                                std::span<const std::uint8_t> payload) {
  if (find_live(client) == nullptr) return false;  // drops an allocation found expired
  const auto route = resolve_route(client, peer);
  return route && send_on_route(*route, peer, payload);
}

std::optional<TurnRoute> TurnServer::resolve_route(const TurnClient& client, const udp::endpoint& peer) const {
  const auto it = allocations_.find(client);
  if (it == allocations_.end() || !it->second.live(now_)) return std::nullopt;
  const TurnAllocation& allocation = it->second;
  const auto permission_ends = allocation.permission_expires(peer.address(), now_);
  if (!permission_ends) return std::nullopt;
  TurnRoute route{client, std::nullopt, std::min(allocation.expires(), *permission_ends), route_generation_};
  if (const TurnChannel* channel = allocation.channel_by_peer(peer, now_)) {
    route.channel = channel->number;
    route.valid_until = std::min(route.valid_until, channel->expires);
  }
  return route;
}

bool TurnServer::send_on_route(const TurnRoute& route, const udp::endpoint& peer,
                               std::span<const std::uint8_t> payload) {
  if (!route_current(route)) return false;
  if (route.channel) {
    std::array<std::uint8_t, stun::ChannelData::kHeaderSize> header;
    if (!stun::ChannelData::write_header(header, *route.channel, payload.size())) return false;
    const bool stream = route.client.is_stream();
    const std::size_t padding = stun::ChannelData::frame_size(payload.size(), stream) - header.size() - payload.size();
    handler_.send_to_client(route.client, header, payload, padding);
  } else {
    StunMessageBuilder builder(data_, StunMethod::Data, StunClass::Indication, next_indication_id());
    builder.add_xor_address(StunAttr::XorPeerAddress, peer).add(StunAttr::Data, payload);
    if (!builder.ok()) return false;
    handler_.send_to_client(route.client, data_);
  }
  ++stats_.packets_from_peer;
  stats_.bytes_from_peer += payload.size();
  return true;
}

bool TurnServer::frame_on_route(const TurnRoute& route, std::span<std::uint8_t, 4> header, std::size_t payload_size) {
  static_assert(stun::ChannelData::kHeaderSize == 4);
  // Over a stream ChannelData is padded to 4 bytes, which a datagram built in place has no room for.
  if (!route_current(route) || !route.channel || route.client.is_stream()) return false;
  if (!stun::ChannelData::write_header(header, *route.channel, payload_size)) return false;
  ++stats_.packets_from_peer;
  stats_.bytes_from_peer += payload_size;
  return true;
}

void TurnServer::expire(core::Time now) {
  now_ = std::max(now_, now);
  closed_.clear();
  for (auto it = allocations_.begin(); it != allocations_.end();) {
    if (!it->second.live(now_)) {
      closed_.push_back(it->first);
      it = allocations_.erase(it);
      ++route_generation_;
      ++stats_.allocations_expired;
    } else {
      it->second.expire(now_);
      ++it;
    }
  }
  for (const auto& client : closed_) handler_.on_allocation_closed(client);
}

void TurnServer::remove_client(const TurnClient& client) {
  const auto it = allocations_.find(client);
  if (it != allocations_.end()) erase_allocation(it, false);
}

std::optional<udp::endpoint> TurnServer::relayed_address(const TurnClient& client) const {
  const auto it = allocations_.find(client);
  if (it == allocations_.end() || !it->second.live(now_)) return std::nullopt;
  return it->second.relayed();
}

// ---- dispatch -----------------------------------------------------------------------------

void TurnServer::handle_stun(const TurnClient& client, const StunMessage& message) {
  switch (message.message_class()) {
    case StunClass::Request:
      ++stats_.requests;
      switch (static_cast<StunMethod>(message.method())) {
        case StunMethod::Binding: return handle_binding(client, message);
        case StunMethod::Allocate: return handle_allocate(client, message);
        case StunMethod::Refresh: return handle_refresh(client, message);
        case StunMethod::CreatePermission: return handle_create_permission(client, message);
        case StunMethod::ChannelBind: return handle_channel_bind(client, message);
        default: return send_error(client, message, 400, nullptr, false);
      }
    case StunClass::Indication:
      if (message.is(StunMethod::Send, StunClass::Indication)) return handle_send(client, message);
      ++stats_.dropped_unexpected;
      return;
    default:
      ++stats_.dropped_unexpected;  // a server never expects responses
      return;
  }
}

void TurnServer::handle_send(const TurnClient& client, const StunMessage& message) {
  TurnAllocation* allocation = find_live(client);
  if (allocation == nullptr) {
    ++stats_.dropped_no_allocation;
    return;
  }
  const auto peer = message.xor_peer_address();
  const auto payload = message.data();
  if (!peer || !payload) {
    ++stats_.dropped_malformed;
    return;
  }
  if (!allocation->has_permission(peer->address(), now_)) {
    ++stats_.dropped_no_permission;
    return;
  }
  ++stats_.packets_to_peer;
  stats_.bytes_to_peer += payload->size();
  handler_.on_peer_data(client, *peer, *payload);
}

void TurnServer::handle_channel_data(const TurnClient& client, const stun::ChannelData& frame) {
  TurnAllocation* allocation = find_live(client);
  if (allocation == nullptr) {
    ++stats_.dropped_no_allocation;
    return;
  }
  const TurnChannel* channel = allocation->channel_by_number(frame.channel(), now_);
  if (channel == nullptr || !allocation->has_permission(channel->peer.address(), now_)) {
    ++stats_.dropped_no_permission;
    return;
  }
  ++stats_.packets_to_peer;
  stats_.bytes_to_peer += frame.payload().size();
  const udp::endpoint peer = channel->peer;  // the handler may re-enter and change channels
  handler_.on_peer_data(client, peer, frame.payload());
}

// ---- requests -----------------------------------------------------------------------------

void TurnServer::handle_binding(const TurnClient& client, const StunMessage& request) {
  // Plain STUN service, unauthenticated, as the original listener offers.
  StunMessageBuilder builder(response_, StunMethod::Binding, StunClass::SuccessResponse, request.transaction_id());
  builder.add_xor_address(StunAttr::XorMappedAddress, client.address).add_fingerprint();
  send_response(client);
}

void TurnServer::handle_allocate(const TurnClient& client, const StunMessage& request) {
  const auto auth = authenticate(client, request);
  if (!auth) return;
  const stun::LongTermKey& key = auth->key;

  if (TurnAllocation* existing = find_live(client)) {
    if (existing->allocate_transaction() == request.transaction_id() && existing->username() == auth->username) {
      response_.assign(existing->allocate_response().begin(), existing->allocate_response().end());
      ++stats_.success_responses;
      handler_.send_to_client(client, response_);
      return;
    }
    return send_error(client, request, 437, &key, false);
  }
  if (reject_unknown_attributes(client, request, key, true)) return;
  const auto transport = request.requested_transport();
  if (!transport) return send_error(client, request, 400, &key, false);
  if (*transport != kUdpProtocol) return send_error(client, request, 442, &key, false);
  const auto even_port = request.even_port();
  if (request.has_reservation_token()) {
    // We never hand out reservation tokens, so any token is unknown to us.
    return send_error(client, request, even_port ? 400 : 508, &key, false);
  }
  if (request.has(StunAttr::RequestedAddressFamily)) {
    const auto family = request.requested_address_family();
    if (!family) return send_error(client, request, 400, &key, false);
    if (*family != kFamilyIpv4 || !config_.advertised_ip.is_v4()) return send_error(client, request, 440, &key, false);
  }
  if (allocations_.size() >= config_.max_allocations) {
    expire(now_);  // make room from stale entries before refusing
    if (allocations_.size() >= config_.max_allocations) return send_error(client, request, 486, &key, false);
  }
  const auto port = pick_relay_port(even_port.has_value());
  if (!port) return send_error(client, request, 508, &key, false);

  const auto lifetime = desired_lifetime(request.lifetime());
  const udp::endpoint relayed(config_.advertised_ip, *port);
  auto [it, inserted] =
      allocations_.try_emplace(client, std::string(auth->username), key, relayed, now_ + lifetime);
  if (!inserted) return send_error(client, request, 500, &key, false);
  ++stats_.allocations_created;

  StunMessageBuilder builder(response_, StunMethod::Allocate, StunClass::SuccessResponse, request.transaction_id());
  builder.add_xor_address(StunAttr::XorRelayedAddress, relayed)
      .add_u32(StunAttr::Lifetime, static_cast<std::uint32_t>(lifetime.count()))
      .add_xor_address(StunAttr::XorMappedAddress, client.address)
      .add_message_integrity(key)
      .add_fingerprint();
  it->second.remember_allocate(request.transaction_id(), response_);
  send_response(client);
}

void TurnServer::handle_refresh(const TurnClient& client, const StunMessage& request) {
  Auth auth;
  TurnAllocation* allocation = authorized_allocation(client, request, auth);
  if (allocation == nullptr) return;
  const auto requested = request.lifetime();
  std::chrono::seconds lifetime{0};
  if (requested && *requested == 0) {
    const auto it = allocations_.find(client);
    StunMessageBuilder builder(response_, StunMethod::Refresh, StunClass::SuccessResponse, request.transaction_id());
    builder.add_u32(StunAttr::Lifetime, 0).add_message_integrity(auth.key).add_fingerprint();
    erase_allocation(it, false);  // `auth.username` pointed into the allocation: not used past here
    send_response(client);
    return;
  }
  lifetime = desired_lifetime(requested);
  allocation->set_expires(now_ + lifetime);
  StunMessageBuilder builder(response_, StunMethod::Refresh, StunClass::SuccessResponse, request.transaction_id());
  builder.add_u32(StunAttr::Lifetime, static_cast<std::uint32_t>(lifetime.count()))
      .add_message_integrity(auth.key)
      .add_fingerprint();
  send_response(client);
}

void TurnServer::handle_create_permission(const TurnClient& client, const StunMessage& request) {
  Auth auth;
  TurnAllocation* allocation = authorized_allocation(client, request, auth);
  if (allocation == nullptr) return;

  // Validate every XOR-PEER-ADDRESS before installing any, so the request is all-or-nothing.
  std::array<boost::asio::ip::address, TurnAllocation::kMaxPermissions> ips;
  std::size_t count = 0;
  std::uint16_t error = 0;
  request.for_each_attribute([&](const stun::StunAttributeView& attribute) {
    if (attribute.type != static_cast<std::uint16_t>(StunAttr::XorPeerAddress)) return true;
    const auto peer = request.decode_xor_address(attribute.value);
    if (!peer) {
      error = 400;
    } else if (peer->address().is_v4() != allocation->relayed().address().is_v4()) {
      error = 443;
    } else if (count == ips.size()) {
      error = 508;
    } else {
      ips[count++] = peer->address();
      return true;
    }
    return false;
  });
  if (error == 0 && count == 0) error = 400;
  if (error == 0 && !allocation->permission_capacity_for(
                        allocation->missing_permissions(std::span(ips.data(), count), now_), now_)) {
    error = 508;
  }
  if (error != 0) return send_error(client, request, error, &auth.key, false);

  for (std::size_t i = 0; i < count; ++i) {
    allocation->refresh_permission(ips[i], now_ + config_.permission_lifetime, now_);
  }
  StunMessageBuilder builder(response_, StunMethod::CreatePermission, StunClass::SuccessResponse,
                             request.transaction_id());
  builder.add_message_integrity(auth.key).add_fingerprint();
  send_response(client);
}

void TurnServer::handle_channel_bind(const TurnClient& client, const StunMessage& request) {
  Auth auth;
  TurnAllocation* allocation = authorized_allocation(client, request, auth);
  if (allocation == nullptr) return;

  const auto number = request.channel_number();
  const auto peer = request.xor_peer_address();
  if (!number || *number < stun::ChannelData::kMinChannel || *number > kMaxBindableChannel || !peer) {
    return send_error(client, request, 400, &auth.key, false);
  }
  if (peer->address().is_v4() != allocation->relayed().address().is_v4()) {
    return send_error(client, request, 443, &auth.key, false);
  }
  const auto check = allocation->check_bind(*number, *peer, now_);
  if (check == TurnAllocation::BindResult::Conflict) return send_error(client, request, 400, &auth.key, false);
  const boost::asio::ip::address ip = peer->address();
  if (check == TurnAllocation::BindResult::Full ||
      !allocation->permission_capacity_for(allocation->missing_permissions(std::span(&ip, 1), now_), now_)) {
    return send_error(client, request, 508, &auth.key, false);
  }
  allocation->bind_channel(*number, *peer, now_ + config_.channel_lifetime, now_);
  ++route_generation_;  // a route to this peer sent Data indications until now
  allocation->refresh_permission(ip, now_ + config_.permission_lifetime, now_);
  StunMessageBuilder builder(response_, StunMethod::ChannelBind, StunClass::SuccessResponse, request.transaction_id());
  builder.add_message_integrity(auth.key).add_fingerprint();
  send_response(client);
}

// ---- authentication -----------------------------------------------------------------------

std::optional<TurnServer::Auth> TurnServer::authenticate(const TurnClient& client, const StunMessage& request) {
  // RFC 8489 9.2.4 order: challenge, missing fields, stale nonce, integrity.
  if (!request.message_integrity_offset()) {
    ++stats_.auth_challenges;
    send_error(client, request, 401, nullptr, true);
    return std::nullopt;
  }
  const auto username = request.username();
  const auto realm = request.realm();
  const auto nonce = request.nonce();
  if (!username || !realm || !nonce) {
    ++stats_.auth_failures;
    send_error(client, request, 400, nullptr, false);
    return std::nullopt;
  }
  if (nonces_.check(*nonce, client, now_) != TurnNonce::Check::Valid) {
    ++stats_.auth_failures;
    send_error(client, request, 438, nullptr, true);
    return std::nullopt;
  }
  Auth auth;
  auth.username = *username;
  // Reuse the allocation's key when the same user refreshes, saving an HMAC and an MD5.
  const auto it = allocations_.find(client);
  if (it != allocations_.end() && it->second.username() == *username && *realm == config_.realm) {
    auth.key = it->second.key();
  } else {
    auth.key = stun::long_term_key(*username, config_.realm, turn_password(config_.secret, *username));
  }
  if (*realm != config_.realm || !stun::verify_message_integrity(request, auth.key)) {
    ++stats_.auth_failures;
    send_error(client, request, 401, nullptr, true);
    return std::nullopt;
  }
  return auth;
}

TurnAllocation* TurnServer::authorized_allocation(const TurnClient& client, const StunMessage& request, Auth& auth) {
  const auto result = authenticate(client, request);
  if (!result) return nullptr;
  auth = *result;
  TurnAllocation* allocation = find_live(client);
  if (allocation == nullptr) {
    send_error(client, request, 437, &auth.key, false);
    return nullptr;
  }
  if (allocation->username() != auth.username) {
    ++stats_.auth_failures;
    send_error(client, request, 441, &auth.key, false);
    return nullptr;
  }
  auth.username = allocation->username();  // keep the view valid independent of the request
  if (reject_unknown_attributes(client, request, auth.key, false)) return nullptr;
  return allocation;
}

bool TurnServer::reject_unknown_attributes(const TurnClient& client, const StunMessage& request,
                                           const stun::LongTermKey& key, bool dont_fragment_unsupported) {
  std::array<std::uint16_t, kMaxUnknownListed> unknown{};
  std::size_t count = 0;
  request.for_each_attribute([&](const stun::StunAttributeView& attribute) {
    const bool unsupported_df =
        dont_fragment_unsupported && attribute.type == static_cast<std::uint16_t>(StunAttr::DontFragment);
    if (stun::is_comprehension_required(attribute.type) &&
        (unsupported_df || !is_known_request_attribute(attribute.type))) {
      unknown[count++] = attribute.type;
    }
    return count < unknown.size();
  });
  if (count == 0) return false;
  StunMessageBuilder builder(response_, static_cast<StunMethod>(request.method()), StunClass::ErrorResponse,
                             request.transaction_id());
  builder.add_error_code(420)
      .add_unknown_attributes(std::span(unknown.data(), count))
      .add_message_integrity(key)
      .add_fingerprint();
  ++stats_.error_responses;
  handler_.send_to_client(client, response_);
  return true;
}

// ---- responses and bookkeeping -----------------------------------------------------------

void TurnServer::send_error(const TurnClient& client, const StunMessage& request, std::uint16_t code,
                            const stun::LongTermKey* key, bool with_nonce) {
  StunMessageBuilder builder(response_, static_cast<StunMethod>(request.method()), StunClass::ErrorResponse,
                             request.transaction_id());
  builder.add_error_code(code);
  if (with_nonce) {
    builder.add_string(StunAttr::Realm, config_.realm).add_string(StunAttr::Nonce, nonces_.issue(client, now_));
  }
  if (key != nullptr) builder.add_message_integrity(*key);
  builder.add_fingerprint();
  ++stats_.error_responses;
  if (builder.ok()) handler_.send_to_client(client, response_);
}

void TurnServer::send_response(const TurnClient& client) {
  ++stats_.success_responses;
  handler_.send_to_client(client, response_);
}

TurnAllocation* TurnServer::find_live(const TurnClient& client) {
  const auto it = allocations_.find(client);
  if (it == allocations_.end()) return nullptr;
  if (!it->second.live(now_)) {
    erase_allocation(it, true);
    return nullptr;
  }
  return &it->second;
}

TurnServer::Allocations::iterator TurnServer::erase_allocation(Allocations::iterator it, bool expired) {
  const TurnClient client = it->first;
  auto next = allocations_.erase(it);
  ++route_generation_;
  ++(expired ? stats_.allocations_expired : stats_.allocations_deleted);
  handler_.on_allocation_closed(client);
  return next;
}

std::optional<std::uint16_t> TurnServer::pick_relay_port(bool even) {
  const std::uint32_t min = config_.relay_port_min;
  const std::uint32_t span = config_.relay_port_max - min + 1;
  const std::uint32_t start = std::uniform_int_distribution<std::uint32_t>(0, span - 1)(rng_);
  for (std::uint32_t i = 0; i < span; ++i) {
    const auto port = static_cast<std::uint16_t>(min + (start + i) % span);
    if (even && port % 2 != 0) continue;
    const bool used = std::any_of(allocations_.begin(), allocations_.end(),
                                  [&](const auto& entry) { return entry.second.relayed().port() == port; });
    if (!used) return port;
  }
  return std::nullopt;
}

std::chrono::seconds TurnServer::desired_lifetime(std::optional<std::uint32_t> requested) const {
  // RFC 8656 7.2: never below the default, never above the maximum.
  if (!requested) return config_.default_lifetime;
  const auto capped = std::min<std::chrono::seconds>(std::chrono::seconds(*requested), config_.max_lifetime);
  return std::max(capped, config_.default_lifetime);
}

stun::TransactionId TurnServer::next_indication_id() {
  // Indications need no unpredictability; a counter over a random base is unique and cheap.
  for (auto it = indication_id_.rbegin(); it != indication_id_.rend(); ++it) {
    if (++*it != 0) break;
  }
  return indication_id_;
}

}  // namespace shoal::rtc::turn
