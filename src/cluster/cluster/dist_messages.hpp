#pragma once
// DistNode's own protocol (dist_node.hpp: shoal_dist control messages, the call envelope sent to
// `shoal`, net_kernel's is_auth) decoded apart from the connection threads that act on it, so
// the decoding of what a peer sends can be tested and fuzzed without sockets.
//
// Each decoder takes a complete term (version byte first) that validate_term() accepted: DistNode
// validates every message once, before routing it by name. Failures are values.
#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace shoal::cluster {

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
std::variant<NetKernelError, IsAuthCall> decode_net_kernel_call(const char* term, std::size_t size);

}  // namespace shoal::cluster
