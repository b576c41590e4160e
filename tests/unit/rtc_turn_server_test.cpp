#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"
#include "rtc/turn/turn_credentials.hpp"
#include "rtc/turn/turn_server.hpp"

namespace shoal::rtc::turn {
namespace {

using boost::asio::ip::make_address;
using boost::asio::ip::udp;
using namespace std::chrono_literals;
using stun::StunAttr;
using stun::StunClass;
using stun::StunMessage;
using stun::StunMessageBuilder;
using stun::StunMethod;
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kSecret = "0123456789abcdef0123";

struct RecordingHandler : TurnServerHandler {
  std::vector<std::pair<TurnClient, Bytes>> sent;
  struct PeerData {
    TurnClient client;
    udp::endpoint peer;
    Bytes payload;
  };
  std::vector<PeerData> peer_data;
  std::vector<TurnClient> closed;

  void send_to_client(const TurnClient& client, std::span<const std::uint8_t> bytes) override {
    sent.emplace_back(client, Bytes(bytes.begin(), bytes.end()));
  }
  // Recorded as the one frame the parts make, so a test sees the bytes a socket would carry.
  void send_to_client(const TurnClient& client, std::span<const std::uint8_t> header,
                      std::span<const std::uint8_t> payload, std::size_t zero_padding) override {
    Bytes frame(header.begin(), header.end());
    frame.insert(frame.end(), payload.begin(), payload.end());
    frame.insert(frame.end(), zero_padding, 0);
    sent.emplace_back(client, std::move(frame));
  }
  void on_peer_data(const TurnClient& client, const udp::endpoint& peer, std::span<const std::uint8_t> payload) override {
    peer_data.push_back({client, peer, Bytes(payload.begin(), payload.end())});
  }
  void on_allocation_closed(const TurnClient& client) override { closed.push_back(client); }
};

TEST(RtcTurnCredentials, PasswordKnownAnswer) {
  EXPECT_EQ(turn_password(kSecret, "1700000000:peer-1"), "aMJaVjpz5+A8LKOgdGq8+Qzhweg=");
  const auto key = stun::long_term_key("1700000000:peer-1", "turn.stun.localhost", "x");
  EXPECT_EQ(key[0], 0x0e);
  EXPECT_EQ(key[15], 0xb9);
}

TEST(RtcTurnCredentials, IssueAndSecret) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  const auto credentials = issue_turn_credentials(kSecret, "peer-1", now);
  EXPECT_EQ(credentials.username, "1700000000:peer-1");
  EXPECT_EQ(credentials.password, "aMJaVjpz5+A8LKOgdGq8+Qzhweg=");
  const auto secret = random_turn_secret();
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(secret, random_turn_secret());
}

class TurnServerTest : public ::testing::Test {
 protected:
  TurnServerTest() : server_(make_config(), handler_) {
    credentials_ = issue_turn_credentials(kSecret, "peer-1", std::chrono::system_clock::now());
    key_ = stun::long_term_key(credentials_.username, "turn.stun.localhost", credentials_.password);
  }

  static TurnServerConfig make_config() {
    TurnServerConfig config;
    config.secret = std::string(kSecret);
    config.advertised_ip = make_address("203.0.113.7");
    config.max_allocations = 2;
    return config;
  }

  stun::TransactionId next_id() {
    stun::TransactionId id{};
    id[11] = static_cast<std::uint8_t>(++counter_);
    id[10] = static_cast<std::uint8_t>(counter_ >> 8);
    return id;
  }

  // Sends the request built by `fill` and returns the server's single answer.
  template <typename Fill>
  Bytes request(StunMethod method, Fill&& fill, bool authenticated = true, const TurnClient* from = nullptr,
                std::optional<stun::TransactionId> id = std::nullopt) {
    Bytes out;
    StunMessageBuilder builder(out, method, StunClass::Request, id ? *id : next_id());
    fill(builder);
    if (authenticated) {
      builder.add_string(StunAttr::Username, credentials_.username)
          .add_string(StunAttr::Realm, "turn.stun.localhost")
          .add_string(StunAttr::Nonce, nonce_)
          .add_message_integrity(key_);
    }
    builder.add_fingerprint();
    EXPECT_TRUE(builder.ok());
    handler_.sent.clear();
    server_.handle_from_client(from ? *from : client_, out, now_);
    EXPECT_EQ(handler_.sent.size(), 1u);
    return handler_.sent.empty() ? Bytes{} : handler_.sent.back().second;
  }

  void fetch_nonce() {
    const Bytes answer = request(StunMethod::Allocate, [](StunMessageBuilder& b) { b.add_requested_transport(); }, false);
    const auto message = StunMessage::parse(answer);
    ASSERT_TRUE(message);
    ASSERT_TRUE(message->nonce());
    nonce_ = std::string(*message->nonce());
  }

  // Returns the parsed answer, checking it is authenticated with our key and fingerprinted.
  std::optional<StunMessage> authenticated_answer(const Bytes& bytes) {
    auto message = StunMessage::parse(bytes);
    EXPECT_TRUE(message);
    if (!message) return message;
    EXPECT_TRUE(stun::verify_message_integrity(*message, key_));
    EXPECT_TRUE(stun::verify_fingerprint(*message));
    return message;
  }

  std::uint16_t error_of(const Bytes& bytes) {
    const auto message = StunMessage::parse(bytes);
    if (!message || !message->error_code()) return 0;
    return message->error_code()->code;
  }

  void allocate() {
    fetch_nonce();
    answer_ = request(StunMethod::Allocate, [](StunMessageBuilder& b) { b.add_requested_transport(); });
    const auto message = authenticated_answer(answer_);
    ASSERT_TRUE(message);
    ASSERT_TRUE(message->is(StunMethod::Allocate, StunClass::SuccessResponse));
  }

  void permit(const udp::endpoint& peer) {
    const Bytes answer = request(StunMethod::CreatePermission,
                                 [&](StunMessageBuilder& b) { b.add_xor_address(StunAttr::XorPeerAddress, peer); });
    const auto message = authenticated_answer(answer);
    ASSERT_TRUE(message);
    ASSERT_TRUE(message->is(StunMethod::CreatePermission, StunClass::SuccessResponse));
  }

  void bind_channel(std::uint16_t number, const udp::endpoint& peer) {
    const Bytes answer = request(StunMethod::ChannelBind, [&](StunMessageBuilder& b) {
      b.add_channel_number(number).add_xor_address(StunAttr::XorPeerAddress, peer);
    });
    EXPECT_EQ(error_of(answer), 0);
  }

  Bytes send_indication(const udp::endpoint& peer, const Bytes& payload) {
    Bytes out;
    StunMessageBuilder(out, StunMethod::Send, StunClass::Indication, next_id())
        .add_xor_address(StunAttr::XorPeerAddress, peer)
        .add(StunAttr::Data, payload);
    return out;
  }

  RecordingHandler handler_;
  TurnServer server_;
  TurnCredentials credentials_;
  stun::LongTermKey key_{};
  std::string nonce_;
  Bytes answer_;
  TurnClient client_{udp::endpoint(make_address("198.51.100.2"), 61000), 0};
  core::Time now_ = core::Time(1000h);
  const udp::endpoint peer_{make_address("203.0.113.7"), 45678};
  int counter_ = 0;
};

TEST_F(TurnServerTest, UnauthenticatedAllocateIsChallenged) {
  const Bytes answer = request(StunMethod::Allocate, [](StunMessageBuilder& b) { b.add_requested_transport(); }, false);
  const auto message = StunMessage::parse(answer);
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->is(StunMethod::Allocate, StunClass::ErrorResponse));
  EXPECT_EQ(message->error_code()->code, 401);
  EXPECT_EQ(message->realm(), "turn.stun.localhost");
  EXPECT_TRUE(message->nonce());
  EXPECT_FALSE(message->message_integrity_offset());
  EXPECT_TRUE(stun::verify_fingerprint(*message));
  EXPECT_EQ(server_.allocation_count(), 0u);
  EXPECT_EQ(server_.stats().auth_challenges, 1u);
}

TEST_F(TurnServerTest, AuthenticatedAllocateSucceeds) {
  allocate();
  const auto message = StunMessage::parse(answer_);
  ASSERT_TRUE(message);
  const auto relayed = message->xor_relayed_address();
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->address(), make_address("203.0.113.7"));
  EXPECT_GE(relayed->port(), 55000);
  EXPECT_LE(relayed->port(), 59999);
  EXPECT_EQ(message->xor_mapped_address(), client_.address);
  EXPECT_EQ(message->lifetime(), 600u);
  EXPECT_EQ(server_.allocation_count(), 1u);
  EXPECT_EQ(server_.relayed_address(client_), relayed);
  EXPECT_EQ(server_.stats().allocations_created, 1u);
}

TEST_F(TurnServerTest, AllocateRetransmissionAndMismatch) {
  fetch_nonce();
  const auto id = next_id();
  const auto fill = [](StunMessageBuilder& b) { b.add_requested_transport(); };
  const Bytes first = request(StunMethod::Allocate, fill, true, nullptr, id);
  const Bytes again = request(StunMethod::Allocate, fill, true, nullptr, id);
  EXPECT_EQ(first, again);
  const Bytes other = request(StunMethod::Allocate, fill);
  EXPECT_EQ(error_of(other), 437);
  authenticated_answer(other);
  EXPECT_EQ(server_.allocation_count(), 1u);
}

TEST_F(TurnServerTest, AllocateErrors) {
  fetch_nonce();
  EXPECT_EQ(error_of(request(StunMethod::Allocate, [](StunMessageBuilder&) {})), 400);
  EXPECT_EQ(error_of(request(StunMethod::Allocate, [](StunMessageBuilder& b) { b.add_requested_transport(6); })), 442);

  const Bytes df = request(StunMethod::Allocate,
                           [](StunMessageBuilder& b) { b.add_requested_transport().add_flag(StunAttr::DontFragment); });
  EXPECT_EQ(error_of(df), 420);
  const auto df_message = authenticated_answer(df);
  ASSERT_TRUE(df_message);
  const auto unknown = df_message->find(StunAttr::UnknownAttributes);
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->size(), 2u);
  EXPECT_EQ((*unknown)[1], 0x1A);

  EXPECT_EQ(error_of(request(StunMethod::Allocate,
                             [](StunMessageBuilder& b) { b.add_requested_transport().add_requested_address_family(2); })),
            440);
  const std::uint8_t unknown_value[] = {1, 2, 3, 4};
  EXPECT_EQ(error_of(request(StunMethod::Allocate,
                             [&](StunMessageBuilder& b) {
                               b.add_requested_transport().add(static_cast<StunAttr>(0x0042), unknown_value);
                             })),
            420);
  // Comprehension-optional unknown attributes are ignored.
  const Bytes ok = request(StunMethod::Allocate, [&](StunMessageBuilder& b) {
    b.add_requested_transport().add(static_cast<StunAttr>(0xC057), unknown_value);
  });
  EXPECT_EQ(error_of(ok), 0);
  EXPECT_EQ(server_.allocation_count(), 1u);
}

TEST_F(TurnServerTest, QuotaIsEnforced) {
  allocate();
  TurnClient second{udp::endpoint(make_address("198.51.100.3"), 1), 0};
  TurnClient third{udp::endpoint(make_address("198.51.100.4"), 1), 0};
  for (const TurnClient* c : {&second, &third}) {
    const Bytes challenge =
        request(StunMethod::Allocate, [](StunMessageBuilder& b) { b.add_requested_transport(); }, false, c);
    nonce_ = std::string(*StunMessage::parse(challenge)->nonce());
    const Bytes answer = request(StunMethod::Allocate, [](StunMessageBuilder& b) { b.add_requested_transport(); }, true, c);
    EXPECT_EQ(error_of(answer), c == &second ? 0 : 486);
  }
  EXPECT_EQ(server_.allocation_count(), 2u);
}

TEST_F(TurnServerTest, AuthenticationFailures) {
  fetch_nonce();
  const auto fill = [](StunMessageBuilder& b) { b.add_requested_transport(); };

  const std::string good_nonce = nonce_;
  nonce_ = "00000000aaaaaaaaaaaaaaaa";
  EXPECT_EQ(error_of(request(StunMethod::Allocate, fill)), 438);
  nonce_ = good_nonce;

  // A nonce issued to another client address is not valid here.
  TurnClient other{udp::endpoint(make_address("198.51.100.9"), 5), 0};
  EXPECT_EQ(error_of(request(StunMethod::Allocate, fill, true, &other)), 438);

  const auto real_key = key_;
  key_ = stun::long_term_key(credentials_.username, "turn.stun.localhost", "wrong");
  const Bytes wrong = request(StunMethod::Allocate, fill);
  EXPECT_EQ(error_of(wrong), 401);
  EXPECT_TRUE(StunMessage::parse(wrong)->nonce());
  key_ = real_key;

  now_ += 2h;  // past nonce_lifetime
  const Bytes stale = request(StunMethod::Allocate, fill);
  EXPECT_EQ(error_of(stale), 438);
  nonce_ = std::string(*StunMessage::parse(stale)->nonce());
  EXPECT_EQ(error_of(request(StunMethod::Allocate, fill)), 0);

  // Integrity present but USERNAME missing.
  Bytes out;
  StunMessageBuilder(out, StunMethod::Allocate, StunClass::Request, next_id())
      .add_requested_transport()
      .add_string(StunAttr::Nonce, nonce_)
      .add_message_integrity(key_);
  handler_.sent.clear();
  server_.handle_from_client(client_, out, now_);
  ASSERT_EQ(handler_.sent.size(), 1u);
  EXPECT_EQ(error_of(handler_.sent[0].second), 400);
}

TEST_F(TurnServerTest, OldUsernamesStayValid) {
  // Jellyfish never checks the timestamp in the username.
  credentials_ = issue_turn_credentials(kSecret, "peer-1", std::chrono::system_clock::time_point(std::chrono::seconds(1)));
  key_ = stun::long_term_key(credentials_.username, "turn.stun.localhost", credentials_.password);
  allocate();
}

TEST_F(TurnServerTest, SendIndicationNeedsPermission) {
  allocate();
  const Bytes payload = {0x00, 0x01, 0x02};
  server_.handle_from_client(client_, send_indication(peer_, payload), now_);
  EXPECT_TRUE(handler_.peer_data.empty());
  EXPECT_EQ(server_.stats().dropped_no_permission, 1u);
  EXPECT_FALSE(server_.send_from_peer(client_, peer_, payload));

  permit(udp::endpoint(peer_.address(), 1));  // permissions are per IP, any port
  server_.handle_from_client(client_, send_indication(peer_, payload), now_);
  ASSERT_EQ(handler_.peer_data.size(), 1u);
  EXPECT_EQ(handler_.peer_data[0].peer, peer_);
  EXPECT_EQ(handler_.peer_data[0].payload, payload);
  EXPECT_EQ(handler_.peer_data[0].client, client_);

  handler_.sent.clear();
  const Bytes reply = {0x16, 0xfe, 0xfd, 0x00};
  ASSERT_TRUE(server_.send_from_peer(client_, peer_, reply));
  ASSERT_EQ(handler_.sent.size(), 1u);
  const auto data = StunMessage::parse(handler_.sent[0].second);
  ASSERT_TRUE(data);
  EXPECT_TRUE(data->is(StunMethod::Data, StunClass::Indication));
  EXPECT_EQ(data->xor_peer_address(), peer_);
  EXPECT_EQ(Bytes(data->data()->begin(), data->data()->end()), reply);

  // Another IP still has no permission.
  server_.handle_from_client(client_, send_indication(udp::endpoint(make_address("203.0.113.8"), 1), payload), now_);
  EXPECT_EQ(handler_.peer_data.size(), 1u);
}

TEST_F(TurnServerTest, ChannelBindAndChannelData) {
  allocate();
  const auto bind = [&](std::uint16_t number, const udp::endpoint& peer) {
    return request(StunMethod::ChannelBind, [&](StunMessageBuilder& b) {
      b.add_channel_number(number).add_xor_address(StunAttr::XorPeerAddress, peer);
    });
  };
  const Bytes ok = bind(0x4001, peer_);
  EXPECT_EQ(error_of(ok), 0);
  authenticated_answer(ok);
  EXPECT_EQ(error_of(bind(0x4001, peer_)), 0);  // refresh
  EXPECT_EQ(error_of(bind(0x4002, peer_)), 400);  // peer already on another channel
  EXPECT_EQ(error_of(bind(0x4001, udp::endpoint(make_address("203.0.113.9"), 1))), 400);  // number taken
  EXPECT_EQ(error_of(bind(0x3FFF, udp::endpoint(make_address("203.0.113.9"), 1))), 400);
  EXPECT_EQ(error_of(bind(0x7FFF, udp::endpoint(make_address("203.0.113.9"), 1))), 400);
  EXPECT_EQ(error_of(bind(0x4003, udp::endpoint(make_address("2001:db8::1"), 1))), 443);
  EXPECT_EQ(error_of(request(StunMethod::ChannelBind, [](StunMessageBuilder& b) { b.add_channel_number(0x4005); })), 400);

  // ChannelBind also installed the permission.
  Bytes frame;
  const Bytes payload = {0x80, 0x60, 0x00, 0x01, 0x02};
  ASSERT_TRUE(stun::ChannelData::build(frame, 0x4001, payload, false));
  server_.handle_from_client(client_, frame, now_);
  ASSERT_EQ(handler_.peer_data.size(), 1u);
  EXPECT_EQ(handler_.peer_data[0].peer, peer_);
  EXPECT_EQ(handler_.peer_data[0].payload, payload);

  ASSERT_TRUE(stun::ChannelData::build(frame, 0x4009, payload, false));  // unbound
  server_.handle_from_client(client_, frame, now_);
  EXPECT_EQ(handler_.peer_data.size(), 1u);

  handler_.sent.clear();
  ASSERT_TRUE(server_.send_from_peer(client_, peer_, payload));
  ASSERT_EQ(handler_.sent.size(), 1u);
  const auto out = stun::ChannelData::parse(handler_.sent[0].second);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->channel(), 0x4001);
  EXPECT_EQ(handler_.sent[0].second.size(), 9u);  // UDP: no padding
}

TEST_F(TurnServerTest, TcpClientsGetPaddedChannelData) {
  client_.connection = 7;
  allocate();
  bind_channel(0x4000, peer_);
  handler_.sent.clear();
  const Bytes payload = {1, 2, 3, 4, 5};
  ASSERT_TRUE(server_.send_from_peer(client_, peer_, payload));
  ASSERT_EQ(handler_.sent.size(), 1u);
  EXPECT_EQ(handler_.sent[0].second.size(), 12u);
  server_.remove_client(client_);
  EXPECT_EQ(server_.allocation_count(), 0u);
  ASSERT_EQ(handler_.closed.size(), 1u);
  EXPECT_FALSE(server_.send_from_peer(client_, peer_, payload));
}

TEST_F(TurnServerTest, CreatePermissionErrors) {
  allocate();
  EXPECT_EQ(error_of(request(StunMethod::CreatePermission, [](StunMessageBuilder&) {})), 400);
  EXPECT_EQ(error_of(request(StunMethod::CreatePermission,
                             [](StunMessageBuilder& b) {
                               b.add_xor_address(StunAttr::XorPeerAddress, udp::endpoint(make_address("::1"), 1));
                             })),
            443);
  // Too many distinct peers in total.
  for (int i = 0; i < 32; ++i) {
    permit(udp::endpoint(boost::asio::ip::address_v4(0x0A000000u + static_cast<unsigned>(i)), 1));
  }
  EXPECT_EQ(error_of(request(StunMethod::CreatePermission,
                             [](StunMessageBuilder& b) {
                               b.add_xor_address(StunAttr::XorPeerAddress, udp::endpoint(make_address("10.9.9.9"), 1));
                             })),
            508);
}

TEST_F(TurnServerTest, RefreshLifetimes) {
  allocate();
  const Bytes longest =
      request(StunMethod::Refresh, [](StunMessageBuilder& b) { b.add_u32(StunAttr::Lifetime, 100000); });
  const auto answer = authenticated_answer(longest);  // a view: `longest` must outlive it
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->lifetime(), 3600u);
  const Bytes keep = request(StunMethod::Refresh, [](StunMessageBuilder&) {});
  EXPECT_EQ(StunMessage::parse(keep)->lifetime(), 600u);

  // Other credentials on the same 5-tuple are refused.
  const auto saved = credentials_;
  const auto saved_key = key_;
  credentials_ = issue_turn_credentials(kSecret, "intruder", std::chrono::system_clock::now());
  key_ = stun::long_term_key(credentials_.username, "turn.stun.localhost", credentials_.password);
  EXPECT_EQ(error_of(request(StunMethod::Refresh, [](StunMessageBuilder&) {})), 441);
  credentials_ = saved;
  key_ = saved_key;

  const Bytes removed = request(StunMethod::Refresh, [](StunMessageBuilder& b) { b.add_u32(StunAttr::Lifetime, 0); });
  EXPECT_EQ(error_of(removed), 0);
  EXPECT_EQ(StunMessage::parse(removed)->lifetime(), 0u);
  EXPECT_EQ(server_.allocation_count(), 0u);
  EXPECT_EQ(handler_.closed.size(), 1u);
  EXPECT_EQ(error_of(request(StunMethod::Refresh, [](StunMessageBuilder&) {})), 437);
}

TEST_F(TurnServerTest, Expiry) {
  allocate();
  permit(peer_);
  const Bytes payload = {1};
  EXPECT_TRUE(server_.send_from_peer(client_, peer_, payload));
  server_.expire(now_ + 301s);  // permission gone, allocation alive
  EXPECT_FALSE(server_.send_from_peer(client_, peer_, payload));
  EXPECT_EQ(server_.allocation_count(), 1u);
  server_.expire(now_ + 601s);
  EXPECT_EQ(server_.allocation_count(), 0u);
  EXPECT_EQ(handler_.closed.size(), 1u);
  EXPECT_EQ(server_.stats().allocations_expired, 1u);
}

TEST_F(TurnServerTest, RouteNeedsAnAllocationAndAPermission) {
  EXPECT_FALSE(server_.resolve_route(client_, peer_));
  allocate();
  EXPECT_FALSE(server_.resolve_route(client_, peer_));
  permit(peer_);
  const auto route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(route);
  EXPECT_FALSE(route->channel);
  EXPECT_FALSE(server_.resolve_route(client_, udp::endpoint(make_address("203.0.113.99"), 1)));
}

TEST_F(TurnServerTest, RouteSendsWhatSendFromPeerSends) {
  allocate();
  permit(peer_);
  const Bytes payload = {0x80, 0x60, 0x00, 0x01, 0x02};
  handler_.sent.clear();
  ASSERT_TRUE(server_.send_from_peer(client_, peer_, payload));
  const auto route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(route);
  ASSERT_TRUE(server_.send_on_route(*route, peer_, payload));
  ASSERT_EQ(handler_.sent.size(), 2u);
  // Data indications carry fresh transaction ids: compare what the peer would get out of them.
  const auto first = StunMessage::parse(handler_.sent[0].second);
  const auto second = StunMessage::parse(handler_.sent[1].second);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(second->is(StunMethod::Data, StunClass::Indication));
  ASSERT_TRUE(first->data() && second->data());
  EXPECT_TRUE(std::ranges::equal(*first->data(), *second->data()));
  EXPECT_EQ(server_.stats().packets_from_peer, 2u);
}

TEST_F(TurnServerTest, ChannelBindMakesARouteStaleAndItsSuccessorUsesTheChannel) {
  allocate();
  permit(peer_);
  const auto indication_route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(indication_route);
  bind_channel(0x4001, peer_);
  const Bytes payload = {1, 2, 3, 4, 5};
  handler_.sent.clear();
  EXPECT_FALSE(server_.route_current(*indication_route));
  EXPECT_FALSE(server_.send_on_route(*indication_route, peer_, payload));
  EXPECT_TRUE(handler_.sent.empty());
  const auto channel_route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(channel_route);
  EXPECT_EQ(channel_route->channel, 0x4001);
  ASSERT_TRUE(server_.send_on_route(*channel_route, peer_, payload));
  ASSERT_EQ(handler_.sent.size(), 1u);
  const auto frame = stun::ChannelData::parse(handler_.sent[0].second);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->channel(), 0x4001);
  EXPECT_TRUE(std::ranges::equal(frame->payload(), payload));
  EXPECT_EQ(handler_.sent[0].second.size(), 9u);  // UDP: no padding
}

// A sender building the datagram in place gets the same frame send_on_route sends, header only.
TEST_F(TurnServerTest, AChannelRouteFramesAPayloadInPlace) {
  allocate();
  permit(peer_);
  const auto indication_route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(indication_route);
  std::array<std::uint8_t, 9> datagram = {0, 0, 0, 0, 1, 2, 3, 4, 5};
  std::span<std::uint8_t, 4> header(datagram.data(), 4);
  EXPECT_FALSE(server_.frame_on_route(*indication_route, header, 5)) << "no channel: a Data indication";
  bind_channel(0x4001, peer_);
  EXPECT_FALSE(server_.frame_on_route(*indication_route, header, 5)) << "stale";
  const auto channel_route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(channel_route);
  const auto before = server_.stats().packets_from_peer;
  ASSERT_TRUE(server_.frame_on_route(*channel_route, header, 5));
  const auto frame = stun::ChannelData::parse(datagram);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->channel(), 0x4001);
  EXPECT_TRUE(std::ranges::equal(frame->payload(), Bytes{1, 2, 3, 4, 5}));
  EXPECT_EQ(server_.stats().packets_from_peer, before + 1);
}

TEST_F(TurnServerTest, TcpRoutesPadChannelData) {
  client_.connection = 7;
  allocate();
  bind_channel(0x4000, peer_);
  const auto route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(route);
  std::array<std::uint8_t, 4> header{};
  EXPECT_FALSE(server_.frame_on_route(*route, header, 5)) << "a stream frame needs padding: not built in place";
  handler_.sent.clear();
  ASSERT_TRUE(server_.send_on_route(*route, peer_, Bytes{1, 2, 3, 4, 5}));
  ASSERT_EQ(handler_.sent.size(), 1u);
  EXPECT_EQ(handler_.sent[0].second, (Bytes{0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0}));
}

TEST_F(TurnServerTest, RouteGoesStaleWhenItsPermissionOrAllocationEnds) {
  allocate();
  permit(peer_);
  const Bytes payload = {1};
  auto route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(route);
  server_.expire(now_ + 299s);
  EXPECT_TRUE(server_.send_on_route(*route, peer_, payload));
  server_.expire(now_ + 301s);  // the permission's five minutes are over
  EXPECT_FALSE(server_.send_on_route(*route, peer_, payload));
  EXPECT_FALSE(server_.resolve_route(client_, peer_));

  now_ += 301s;
  permit(peer_);
  route = server_.resolve_route(client_, peer_);
  ASSERT_TRUE(route);
  EXPECT_EQ(error_of(request(StunMethod::Refresh, [](StunMessageBuilder& b) { b.add_u32(StunAttr::Lifetime, 0); })), 0);
  EXPECT_FALSE(server_.send_on_route(*route, peer_, payload));  // allocation deleted
  EXPECT_FALSE(server_.resolve_route(client_, peer_));
}

TEST_F(TurnServerTest, BindingAndGarbage) {
  const Bytes answer = request(StunMethod::Binding, [](StunMessageBuilder&) {}, false);
  const auto message = StunMessage::parse(answer);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->xor_mapped_address(), client_.address);

  handler_.sent.clear();
  const Bytes garbage = {0xff, 0x00, 0x01};
  server_.handle_from_client(client_, garbage, now_);
  server_.handle_from_client(client_, {}, now_);
  const Bytes short_stun = {0x00, 0x01, 0x00};
  server_.handle_from_client(client_, short_stun, now_);
  EXPECT_TRUE(handler_.sent.empty());
  EXPECT_EQ(server_.stats().dropped_malformed, 3u);

  // A response or a bad fingerprint is dropped.
  Bytes response;
  StunMessageBuilder(response, StunMethod::Binding, StunClass::SuccessResponse, next_id()).add_fingerprint();
  server_.handle_from_client(client_, response, now_);
  response.back() ^= 1;
  server_.handle_from_client(client_, response, now_);
  EXPECT_EQ(server_.stats().dropped_unexpected, 2u);
  EXPECT_TRUE(handler_.sent.empty());
}

}  // namespace
}  // namespace shoal::rtc::turn
