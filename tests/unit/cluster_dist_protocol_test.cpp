// DistNode's own protocol (dist_messages.hpp): what we encode must decode, through our decoders
// and through ei's, to what we meant; and each received message is routed to one event.
#include "cluster/dist_messages.hpp"
#include "cluster/term.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace shoal::cluster {
namespace {

std::vector<char> bytes_of(const TermWriter& w) { return w.bytes(); }

std::vector<char> request_term() {
  TermWriter w;
  w.tuple(2).atom("shoal_usage").binary("room-1");
  return w.bytes();
}

TEST(DistProtocol, MembersRoundTrip) {
  for (const auto& nodes : {std::vector<std::string>{}, std::vector<std::string>{"a@127.0.0.1"},
                            std::vector<std::string>{"a@127.0.0.1", "b@127.0.0.2", "c@host.example"}}) {
    TermWriter w;
    encode_members(w, nodes);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(validate_term(w.data(), w.size()));
    const auto decoded = decode_control_message(w.data(), w.size());
    EXPECT_EQ(decoded.kind, ControlMessage::Kind::Members);
    EXPECT_EQ(decoded.members, nodes);
  }
}

TEST(DistProtocol, MembersDecodeWithEi) {
  TermWriter w;
  encode_members(w, {"a@127.0.0.1", "b@127.0.0.1"});
  ASSERT_TRUE(w.ok());
  int index = 0;
  int version = 0;
  int arity = 0;
  char atom[MAXATOMLEN_UTF8] = {};
  ASSERT_EQ(ei_decode_version(w.data(), &index, &version), 0);
  ASSERT_EQ(ei_decode_tuple_header(w.data(), &index, &arity), 0);
  EXPECT_EQ(arity, 2);
  ASSERT_EQ(ei_decode_atom(w.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "shoal_members");
  ASSERT_EQ(ei_decode_list_header(w.data(), &index, &arity), 0);
  EXPECT_EQ(arity, 2);
  ASSERT_EQ(ei_decode_atom(w.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "a@127.0.0.1");
  ASSERT_EQ(ei_decode_atom(w.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "b@127.0.0.1");
  ASSERT_EQ(ei_decode_list_header(w.data(), &index, &arity), 0);  // the tail
  EXPECT_EQ(arity, 0);
  EXPECT_EQ(static_cast<std::size_t>(index), w.size());

  TermWriter empty;
  encode_members(empty, {});
  index = 0;
  ASSERT_EQ(ei_decode_version(empty.data(), &index, &version), 0);
  ASSERT_EQ(ei_decode_tuple_header(empty.data(), &index, &arity), 0);
  ASSERT_EQ(ei_decode_atom(empty.data(), &index, atom), 0);
  ASSERT_EQ(ei_decode_list_header(empty.data(), &index, &arity), 0);
  EXPECT_EQ(arity, 0);
  EXPECT_EQ(static_cast<std::size_t>(index), empty.size()) << "[] is one nil, not a header and a nil";
}

TEST(DistProtocol, HeartbeatRoundTrip) {
  const auto heartbeat = encode_heartbeat();
  ASSERT_TRUE(validate_term(heartbeat));
  EXPECT_EQ(decode_atom(heartbeat), "shoal_heartbeat");
  EXPECT_EQ(decode_control_message(heartbeat.data(), heartbeat.size()).kind, ControlMessage::Kind::Heartbeat);
}

TEST(DistProtocol, CallEnvelopeRoundTrip) {
  const auto request = request_term();
  TermWriter w;
  encode_call(w, 0xfeedf00dcafeULL, "a@127.0.0.1", request.data(), request.size());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(validate_term(w.data(), w.size()));
  const auto envelope = decode_call_envelope(w.data(), w.size());
  EXPECT_EQ(envelope.kind, CallEnvelope::Kind::Call);
  EXPECT_EQ(envelope.ref, 0xfeedf00dcafeULL);
  EXPECT_EQ(envelope.payload, request);

  // The sender's node name is the third element, as an atom.
  int index = 0;
  int version = 0;
  int arity = 0;
  char atom[MAXATOMLEN_UTF8] = {};
  EI_ULONGLONG ref = 0;
  ASSERT_EQ(ei_decode_version(w.data(), &index, &version), 0);
  ASSERT_EQ(ei_decode_tuple_header(w.data(), &index, &arity), 0);
  EXPECT_EQ(arity, 4);
  ASSERT_EQ(ei_decode_atom(w.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "shoal_call");
  ASSERT_EQ(ei_decode_ulonglong(w.data(), &index, &ref), 0);
  EXPECT_EQ(ref, 0xfeedf00dcafeULL);
  ASSERT_EQ(ei_decode_atom(w.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "a@127.0.0.1");
}

TEST(DistProtocol, ReplyAndNoReplyRoundTrip) {
  const auto response = encode_binary("answer");
  TermWriter reply;
  encode_reply(reply, 42, response.data(), response.size());
  ASSERT_TRUE(reply.ok());
  const auto decoded = decode_call_envelope(reply.data(), reply.size());
  EXPECT_EQ(decoded.kind, CallEnvelope::Kind::Reply);
  EXPECT_EQ(decoded.ref, 42u);
  EXPECT_EQ(decode_binary(decoded.payload), "answer");

  TermWriter none;
  encode_noreply(none, 43);
  ASSERT_TRUE(none.ok());
  const auto no_reply = decode_call_envelope(none.data(), none.size());
  EXPECT_EQ(no_reply.kind, CallEnvelope::Kind::NoReply);
  EXPECT_EQ(no_reply.ref, 43u);
  EXPECT_TRUE(no_reply.payload.empty());
}

TEST(DistProtocol, EncodersRefuseWhatIsNoTerm) {
  TermWriter reply;
  encode_reply(reply, 1, nullptr, 0);
  EXPECT_FALSE(reply.ok()) << "an empty response is no term: the worker answers noreply instead";
  TermWriter call;
  encode_call(call, 1, "a@127.0.0.1", nullptr, 0);
  EXPECT_FALSE(call.ok());
}

// {'$gen_call', {Pid, Tag}, {is_auth, Node}} as net_adm:ping sends it.
std::vector<char> is_auth_call(const erlang_pid& from) {
  TermWriter tag;
  tag.tuple(2).atom("alias").ulonglong(99);
  const auto tag_bytes = tag.bytes();
  ei_x_buff x;
  ei_x_new_with_version(&x);
  ei_x_encode_tuple_header(&x, 3);
  ei_x_encode_atom(&x, "$gen_call");
  ei_x_encode_tuple_header(&x, 2);
  ei_x_encode_pid(&x, &from);
  ei_x_append_buf(&x, tag_bytes.data() + 1, static_cast<int>(tag_bytes.size() - 1));
  ei_x_encode_tuple_header(&x, 2);
  ei_x_encode_atom(&x, "is_auth");
  ei_x_encode_atom(&x, "a@127.0.0.1");
  std::vector<char> out(x.buff, x.buff + x.index);
  ei_x_free(&x);
  return out;
}

TEST(DistProtocol, IsAuthAnswerEchoesTheTag) {
  erlang_pid from{};
  std::strcpy(from.node, "erl@127.0.0.1");
  from.num = 7;
  from.serial = 1;
  from.creation = 3;
  const auto call_term = is_auth_call(from);
  const auto decoded = decode_net_kernel_call(call_term.data(), call_term.size());
  ASSERT_TRUE(decoded.has_value());
  const auto& call = *decoded;
  EXPECT_STREQ(call.from.node, "erl@127.0.0.1");
  EXPECT_EQ(call.from.num, 7u);

  TermWriter answer;
  encode_is_auth_answer(answer, call_term.data() + call.tag_offset, call.tag_size);
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(validate_term(answer.data(), answer.size()));
  int index = 0;
  int version = 0;
  int arity = 0;
  char atom[MAXATOMLEN_UTF8] = {};
  EI_ULONGLONG alias = 0;
  ASSERT_EQ(ei_decode_version(answer.data(), &index, &version), 0);
  ASSERT_EQ(ei_decode_tuple_header(answer.data(), &index, &arity), 0);
  EXPECT_EQ(arity, 2);
  ASSERT_EQ(ei_decode_tuple_header(answer.data(), &index, &arity), 0);  // the tag, unchanged
  EXPECT_EQ(arity, 2);
  ASSERT_EQ(ei_decode_atom(answer.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "alias");
  ASSERT_EQ(ei_decode_ulonglong(answer.data(), &index, &alias), 0);
  EXPECT_EQ(alias, 99u);
  ASSERT_EQ(ei_decode_atom(answer.data(), &index, atom), 0);
  EXPECT_STREQ(atom, "yes");
  EXPECT_EQ(static_cast<std::size_t>(index), answer.size());
}

InboundMessage classify(long msgtype, const std::string& to, const std::vector<char>& term) {
  return classify_message(msgtype, to, term.data(), term.size());
}

TEST(DistProtocol, ClassifiesByTypeAndName) {
  const auto heartbeat = encode_heartbeat();
  EXPECT_EQ(classify(ERL_LINK, "shoal_dist", heartbeat).kind, InboundMessage::Kind::Ignored);
  EXPECT_EQ(classify(ERL_EXIT, "", heartbeat).kind, InboundMessage::Kind::Ignored);

  const auto control = classify(ERL_REG_SEND, kControlName, heartbeat);
  EXPECT_EQ(control.kind, InboundMessage::Kind::Control);
  EXPECT_EQ(control.control.kind, ControlMessage::Kind::Heartbeat);
  EXPECT_EQ(control.to, "shoal_dist");

  TermWriter members;
  encode_members(members, {"b@127.0.0.1"});
  const auto learned = classify(ERL_REG_SEND, kControlName, bytes_of(members));
  EXPECT_EQ(learned.control.kind, ControlMessage::Kind::Members);
  EXPECT_EQ(learned.control.members, std::vector<std::string>{"b@127.0.0.1"});

  const auto request = request_term();
  TermWriter call;
  encode_call(call, 5, "a@127.0.0.1", request.data(), request.size());
  const auto routed_call = classify(ERL_REG_SEND, kCallName, bytes_of(call));
  EXPECT_EQ(routed_call.kind, InboundMessage::Kind::Call);
  EXPECT_EQ(routed_call.envelope.kind, CallEnvelope::Kind::Call);
  EXPECT_EQ(routed_call.envelope.ref, 5u);
  EXPECT_EQ(routed_call.envelope.payload, request);

  // Not an envelope, or not to `shoal`: the message handler's.
  const auto to_shoal = classify(ERL_REG_SEND, kCallName, request);
  EXPECT_EQ(to_shoal.kind, InboundMessage::Kind::User);
  EXPECT_EQ(to_shoal.to, "shoal");
  const auto to_events = classify(ERL_REG_SEND, "shoal_events", bytes_of(call));
  EXPECT_EQ(to_events.kind, InboundMessage::Kind::User);
  EXPECT_EQ(to_events.to, "shoal_events");

  // A message to a pid has no name, even when ei left one in the header.
  const auto to_pid = classify(ERL_SEND, "shoal_dist", heartbeat);
  EXPECT_EQ(to_pid.kind, InboundMessage::Kind::User);
  EXPECT_EQ(to_pid.to, "");

  erlang_pid from{};
  std::strcpy(from.node, "erl@127.0.0.1");
  const auto ping = classify(ERL_REG_SEND, kNetKernelName, is_auth_call(from));
  EXPECT_EQ(ping.kind, InboundMessage::Kind::NetKernel);
  EXPECT_TRUE(ping.net_kernel.has_value());
  const auto other = classify(ERL_REG_SEND, kNetKernelName, heartbeat);
  EXPECT_EQ(other.kind, InboundMessage::Kind::NetKernel);
  ASSERT_FALSE(other.net_kernel.has_value());
  EXPECT_EQ(other.net_kernel.error(), NetKernelError::NotAGenCall);
}

TEST(DistProtocol, ClassifierRefusesBadTermsBeforeRouting) {
  auto truncated = encode_heartbeat();
  truncated.pop_back();
  const auto malformed = classify(ERL_REG_SEND, kCallName, truncated);
  EXPECT_EQ(malformed.kind, InboundMessage::Kind::Malformed);
  EXPECT_EQ(malformed.to, "shoal") << "the warning names the destination";

  const std::vector<char> no_version = {100, 0, 1, 'a'};
  EXPECT_EQ(classify(ERL_REG_SEND, kControlName, no_version).kind, InboundMessage::Kind::Malformed);

  const std::vector<char> huge(kMaxTermSize + 2, 0);
  EXPECT_EQ(classify(ERL_REG_SEND, "anything", huge).kind, InboundMessage::Kind::TooLarge);
  EXPECT_EQ(classify(ERL_SEND, "", huge).kind, InboundMessage::Kind::TooLarge);
}

}  // namespace
}  // namespace shoal::cluster
