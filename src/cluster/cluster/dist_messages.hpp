#pragma once
// DistNode's own protocol (dist_node.hpp: shoal_dist control messages, the call envelope sent to
// `shoal`, net_kernel's is_auth) decoded and encoded apart from the connection threads that act
// on it, so what a peer sends and what we answer can be tested and fuzzed without sockets.
//
// Each decoder takes a complete term (version byte first) that validate_term() accepted:
// classify_message() validates every message once, before routing it by name. Failures are
// values. Encoders append to a TermWriter (which starts with the version byte); check ok().
#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include "cluster/term.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::cluster {

// Registered names this protocol is addressed to.
inline constexpr const char* kControlName = "shoal_dist";  // membership + heartbeats
inline constexpr const char* kCallName = "shoal";          // call() envelope
inline constexpr const char* kNetKernelName = "net_kernel";  // net_adm:ping

// To `shoal_dist`: shoal_heartbeat | {shoal_members, [Node]}.
struct ControlMessage {
  enum class Kind { Heartbeat, Members, Unknown } kind = Kind::Unknown;
  std::vector<std::string> members;  // Members: the nodes the sender is connected to
};
ControlMessage decode_control_message(const char* term, std::size_t size);

// To `shoal`: {shoal_call, Ref, FromNode, Request} | {shoal_reply, Ref, Response} |
// {shoal_noreply, Ref}. Anything else is NotAnEnvelope and goes to the message handler.
struct CallEnvelope {
  enum class Kind { Call, Reply, NoReply, NotAnEnvelope } kind = Kind::NotAnEnvelope;
  unsigned long long ref = 0;
  std::vector<char> payload;  // Call: the request, Reply: the response; version byte first
};
CallEnvelope decode_call_envelope(const char* term, std::size_t size);

// To `net_kernel`: {'$gen_call', {Pid, Tag}, {is_auth, Node}}, which net_adm:ping sends; the
// answer {Tag, yes} goes to Pid.
struct IsAuthCall {
  erlang_pid from{};
  std::size_t tag_offset = 0;  // the Tag term inside the message, echoed in the answer
  std::size_t tag_size = 0;
};
enum class NetKernelError { NotAGenCall, NotIsAuth };
core::Result<IsAuthCall, NetKernelError> decode_net_kernel_call(const char* term, std::size_t size);

// One message a connection received, routed by its type and registered name and decoded.
struct InboundMessage {
  enum class Kind {
    Ignored,    // links, exits, monitors, group leader: nothing to do for a C node
    TooLarge,   // over kMaxTermSize
    Malformed,  // validate_term() refused it
    NetKernel,  // to net_kernel: `net_kernel` holds the decoded call
    Control,    // to shoal_dist: `control` holds it
    Call,       // to shoal and a call envelope: `envelope` holds it (never NotAnEnvelope)
    User,       // anything else (another name, a pid, or a non-envelope to shoal): the handler's
  } kind = Kind::Ignored;
  std::string to;  // the registered name; "" when sent to a pid
  core::Result<IsAuthCall, NetKernelError> net_kernel{NetKernelError::NotAGenCall};
  ControlMessage control;
  CallEnvelope envelope;
};
// `msgtype` is ei's (ERL_SEND, ERL_REG_SEND, ...); `to_name` is only read for ERL_REG_SEND.
// `term` is the message as received (version byte first), not yet validated.
InboundMessage classify_message(long msgtype, std::string_view to_name, const char* term, std::size_t size);

// What we send. Each appends one complete term to `out` (a fresh TermWriter).
// To shoal_dist: {shoal_members, [Node]}.
void encode_members(TermWriter& out, const std::vector<std::string>& nodes);
// To shoal_dist: shoal_heartbeat.
std::vector<char> encode_heartbeat();
// To shoal: {shoal_call, Ref, FromNode, Request}; `request` is a complete term.
void encode_call(TermWriter& out, unsigned long long ref, std::string_view from_node, const char* request,
                 std::size_t size);
// To shoal: {shoal_reply, Ref, Response}; `response` is a complete term.
void encode_reply(TermWriter& out, unsigned long long ref, const char* response, std::size_t size);
// To shoal: {shoal_noreply, Ref}.
void encode_noreply(TermWriter& out, unsigned long long ref);
// To the pid of an is_auth call: {Tag, yes}; `tag` is the Tag term inside the call (no version
// byte), as IsAuthCall locates it.
void encode_is_auth_answer(TermWriter& out, const char* tag, std::size_t size);

}  // namespace shoal::cluster
