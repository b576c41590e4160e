// Decoding of what other cluster nodes send (cluster_messages.hpp, dist_messages.hpp), on terms
// built the way shoal nodes build them.
#include "cluster/cluster_messages.hpp"
#include "cluster/dist_messages.hpp"
#include "cluster/term.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace shoal::cluster {
namespace {

ClusterCall decode_call(const std::vector<char>& term) { return decode_cluster_call(term.data(), term.size()); }

CallError call_error(const ClusterCall& call) {
  const auto* error = std::get_if<CallError>(&call);
  return error != nullptr ? *error : static_cast<CallError>(-1);
}

TEST(ClusterMessages, DecodesTheCallsNodesSend) {
  TermWriter usage;
  usage.tuple(1).atom("shoal_usage");
  EXPECT_TRUE(std::holds_alternative<UsageQuery>(decode_call(usage.bytes())));

  TermWriter create;
  create.tuple(4).atom("shoal_create_room").ulonglong(10).atom("vp8").binary("http://backend:4000/hook");
  const auto created = decode_call(create.bytes());
  ASSERT_TRUE(std::holds_alternative<CreateRoomCall>(created));
  const auto& config = std::get<CreateRoomCall>(created).config;
  EXPECT_EQ(config.max_peers.value_or(-1), 10);
  EXPECT_EQ(config.video_codec, room::VideoCodec::VP8);
  EXPECT_EQ(config.webhook_url.value_or(""), "http://backend:4000/hook");

  TermWriter rest;
  rest.tuple(4).atom("shoal_rest").atom("delete").binary("/room/abc").binary("{}");
  const auto forwarded = decode_call(rest.bytes());
  ASSERT_TRUE(std::holds_alternative<RestRequest>(forwarded));
  EXPECT_EQ(std::get<RestRequest>(forwarded).method, "DELETE");
  EXPECT_EQ(std::get<RestRequest>(forwarded).path, "/room/abc");
}

TEST(ClusterMessages, RefusalsAreValues) {
  EXPECT_EQ(call_error(decode_call({})), CallError::InvalidTerm);
  EXPECT_EQ(call_error(decode_call({static_cast<char>(kTermVersion), 'x'})), CallError::InvalidTerm);
  EXPECT_EQ(call_error(decode_call(encode_atom("shoal_usage"))), CallError::InvalidTerm);  // not a tuple
  // {} names no operation; reading one must stay inside the term.
  TermWriter empty;
  empty.tuple(0);
  EXPECT_EQ(call_error(decode_call(empty.bytes())), CallError::UnknownRequest);
  TermWriter wrong_arity;
  wrong_arity.tuple(2).atom("shoal_usage").atom("nil");
  EXPECT_EQ(call_error(decode_call(wrong_arity.bytes())), CallError::UnknownRequest);
  TermWriter bad_codec;
  bad_codec.tuple(4).atom("shoal_create_room").atom("nil").atom("av1").atom("nil");
  EXPECT_EQ(call_error(decode_call(bad_codec.bytes())), CallError::BadArguments);
  TermWriter bad_method;
  bad_method.tuple(4).atom("shoal_rest").atom("patch").binary("/room").binary("{}");
  EXPECT_EQ(call_error(decode_call(bad_method.bytes())), CallError::BadArguments);
}

TEST(ClusterMessages, RelayedEventsAndReplies) {
  TermWriter event;
  event.tuple(4).atom("shoal_event").atom("peer_connected").binary("room-1").binary("peer-1");
  const auto decoded = decode_relayed_event(event.data(), event.size());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->kind, notifications::ServerEventKind::PeerConnected);
  EXPECT_EQ(decoded->room_id, "room-1");
  EXPECT_TRUE(decoded->from_other_node);
  EXPECT_FALSE(relayed_event_atom(notifications::ServerEventKind::MetricsReport));

  TermWriter reply;
  reply.tuple(2).ulonglong(201).binary("{}");
  const auto rest = decode_rest_reply(reply.data(), reply.size());
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->status, 201);
  TermWriter out_of_range;
  out_of_range.tuple(2).ulonglong(42).binary("{}");
  EXPECT_FALSE(decode_rest_reply(out_of_range.data(), out_of_range.size()));
}

TEST(ClusterMessages, CreatesNameTheirPlacementAndCanBeAbandoned) {
  TermWriter create;
  create.tuple(5).atom("shoal_create_room").atom("nil").atom("nil").atom("nil").binary("placement-1");
  const auto call = decode_call(create.bytes());
  ASSERT_TRUE(std::holds_alternative<CreateRoomCall>(call));
  EXPECT_EQ(std::get<CreateRoomCall>(call).placement, "placement-1");
  TermWriter without;  // nodes that send no placement are still served
  without.tuple(4).atom("shoal_create_room").atom("nil").atom("nil").atom("nil");
  ASSERT_TRUE(std::holds_alternative<CreateRoomCall>(decode_call(without.bytes())));
  EXPECT_EQ(std::get<CreateRoomCall>(decode_call(without.bytes())).placement, "");
  TermWriter too_long;
  too_long.tuple(5).atom("shoal_create_room").atom("nil").atom("nil").atom("nil").binary(std::string(65, 'x'));
  EXPECT_EQ(call_error(decode_call(too_long.bytes())), CallError::BadArguments);

  TermWriter abandon;
  abandon.tuple(2).atom("shoal_abandon_create").binary("placement-1");
  EXPECT_EQ(decode_abandoned_create(abandon.data(), abandon.size()).value_or(""), "placement-1");
  TermWriter empty;
  empty.tuple(2).atom("shoal_abandon_create").binary("");
  EXPECT_FALSE(decode_abandoned_create(empty.data(), empty.size()));
  TermWriter other;
  other.tuple(2).atom("shoal_abandon").binary("placement-1");
  EXPECT_FALSE(decode_abandoned_create(other.data(), other.size()));
}

TEST(ClusterMessages, AddressQueryAndReply) {
  TermWriter query;
  query.tuple(1).atom("shoal_address");
  EXPECT_TRUE(std::holds_alternative<AddressQuery>(decode_call(query.bytes())));
  TermWriter with_argument;
  with_argument.tuple(2).atom("shoal_address").atom("x");
  EXPECT_EQ(call_error(decode_call(with_argument.bytes())), CallError::UnknownRequest);

  const auto reply = [](const std::string& address) {
    TermWriter w;
    w.tuple(2).atom("address").binary(address);
    return decode_address_reply(w.data(), w.size());
  };
  EXPECT_EQ(reply("jellyfish2:5002").value_or(""), "jellyfish2:5002");
  EXPECT_EQ(reply("[2001:db8::1]:8080").value_or(""), "[2001:db8::1]:8080");
  EXPECT_EQ(reply("media-1.example.com").value_or(""), "media-1.example.com");
  // It goes into a Location header: nothing that could end the header or add a path.
  EXPECT_FALSE(reply(""));
  EXPECT_FALSE(reply("evil.example\r\nSet-Cookie: a=b"));
  EXPECT_FALSE(reply("host/path"));
  EXPECT_FALSE(reply("user@host"));
  EXPECT_FALSE(reply(std::string(256, 'a')));
  TermWriter not_binary;
  not_binary.tuple(2).atom("address").atom("host");
  EXPECT_FALSE(decode_address_reply(not_binary.data(), not_binary.size()));
}

TEST(DistMessages, DecodesTheEnvelopeAndControlMessages) {
  TermWriter call;
  call.tuple(4).atom("shoal_call").ulonglong(7).atom("a@127.0.0.1").tuple(1).atom("shoal_usage");
  const auto envelope = decode_call_envelope(call.data(), call.size());
  EXPECT_EQ(envelope.kind, CallEnvelope::Kind::Call);
  EXPECT_EQ(envelope.ref, 7u);
  EXPECT_TRUE(std::holds_alternative<UsageQuery>(decode_call(envelope.payload)));

  TermWriter other;
  other.tuple(2).atom("shoal_reply").ulonglong(7);  // a reply needs three elements
  EXPECT_EQ(decode_call_envelope(other.data(), other.size()).kind, CallEnvelope::Kind::NotAnEnvelope);

  TermWriter members;
  members.tuple(2).atom("shoal_members").list(2).atom("a@127.0.0.1").atom("b@127.0.0.1").nil();
  const auto control = decode_control_message(members.data(), members.size());
  EXPECT_EQ(control.kind, ControlMessage::Kind::Members);
  EXPECT_EQ(control.members, (std::vector<std::string>{"a@127.0.0.1", "b@127.0.0.1"}));
  const auto heartbeat = encode_atom("shoal_heartbeat");
  EXPECT_EQ(decode_control_message(heartbeat.data(), heartbeat.size()).kind, ControlMessage::Kind::Heartbeat);

  const auto not_gen_call = decode_net_kernel_call(heartbeat.data(), heartbeat.size());
  ASSERT_FALSE(not_gen_call.has_value());
  EXPECT_EQ(not_gen_call.error(), NetKernelError::NotAGenCall);
}

}  // namespace
}  // namespace shoal::cluster
