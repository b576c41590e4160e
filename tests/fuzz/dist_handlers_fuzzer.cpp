// What another cluster node sends, decoded the way this node decodes it: DistNode validates
// every message with validate_term() and then routes it by name to its net_kernel, shoal_dist or
// call-envelope decoder (classify_message); calls unwrapped from the envelope reach the Cluster's
// request decoder, replies its reply decoders, and shoal_events messages its notification
// decoder. The Cluster's decoders validate on their own, so they also get every input
// unvalidated. Node names in a members list go on to the membership state machine, which must
// keep its cap on learned names and never learn this node's own or an invalid name.
//
// ei's decoders are not instrumented, so ASan would not see them read past a term: every term is
// placed to end right before an inaccessible page, where such a read faults.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "cluster/cluster_messages.hpp"
#include "cluster/dist_membership.hpp"
#include "cluster/dist_messages.hpp"
#include "cluster/term.hpp"
#include "notifications/http_url.hpp"

using namespace shoal::cluster;

namespace {

class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::size_t capacity) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    usable_ = (capacity + page - 1) / page * page;
    void* mapping = ::mmap(nullptr, usable_ + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) __builtin_trap();
    base_ = static_cast<char*>(mapping);
    if (::mprotect(base_ + usable_, page, PROT_NONE) != 0) __builtin_trap();
  }

  // The copy ends where the inaccessible page begins; valid until the next place().
  const char* place(std::span<const char> bytes) {
    if (bytes.size() > usable_) __builtin_trap();
    char* at = base_ + usable_ - bytes.size();
    if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
    return at;
  }

 private:
  char* base_ = nullptr;
  std::size_t usable_ = 0;
};

GuardedBuffer& message_buffer() {
  static GuardedBuffer buffer(kMaxTermSize + 2);
  return buffer;
}

GuardedBuffer& payload_buffer() {
  static GuardedBuffer buffer(kMaxTermSize + 2);
  return buffer;
}

void check_cluster_call(const char* term, std::size_t size) {
  const auto call = decode_cluster_call(term, size);
  const auto* error = std::get_if<CallError>(&call);
  if (!validate_term(term, size) && (error == nullptr || *error != CallError::InvalidTerm)) __builtin_trap();
  if (const auto* rest = std::get_if<RestRequest>(&call)) {
    if (rest->method != "GET" && rest->method != "POST" && rest->method != "DELETE") __builtin_trap();
    if (rest->path.size() + rest->params.size() > size) __builtin_trap();
  }
  if (const auto* create = std::get_if<CreateRoomCall>(&call)) {
    if (create->config.max_peers && *create->config.max_peers < 0) __builtin_trap();
    // What the handler does next with a create request.
    if (create->config.webhook_url) {
      if (create->config.webhook_url->size() > size) __builtin_trap();
      (void)shoal::notifications::parse_http_url(*create->config.webhook_url);
    }
  }
}

void check_replies(const char* term, std::size_t size) {
  if (auto usage = decode_usage_reply("a@127.0.0.1", term, size); usage && usage->node != "a@127.0.0.1") {
    __builtin_trap();
  }
  if (auto created = decode_create_reply(term, size)) {
    const auto& reply = *created;
    if (reply) {
      if (reply->room_json.size() + reply->address.size() > size) __builtin_trap();
    } else if (reply.error().text.size() > size) {
      __builtin_trap();
    }
  }
  if (auto rest = decode_rest_reply(term, size); rest && (rest->status < 100 || rest->status > 599)) __builtin_trap();
  if (auto address = decode_address_reply(term, size); address && !is_public_address(*address)) __builtin_trap();
  if (auto placement = decode_abandoned_create(term, size); placement && (placement->empty() || placement->size() > 64)) {
    __builtin_trap();
  }
  // A pushed load that decodes is one this node would send back unchanged.
  if (auto load = decode_load("a@127.0.0.1", term, size)) {
    const auto again = encode_load(*load);
    const auto round = decode_load("a@127.0.0.1", again.data(), again.size());
    if (!round || round->forwarded_tracks != load->forwarded_tracks || round->rooms != load->rooms ||
        round->peers != load->peers || round->cpu_permille != load->cpu_permille || round->draining != load->draining ||
        round->event_subscribers != load->event_subscribers) {
      __builtin_trap();
    }
  }
}

void check_relayed_event(const char* term, std::size_t size) {
  const auto event = decode_relayed_event(term, size);
  if (!event) return;
  if (!event->from_other_node || !relayed_event_atom(event->kind)) __builtin_trap();
  if (event->room_id.size() + event->subject_id.size() > size) __builtin_trap();
}

void check_net_kernel(const char* term, std::size_t size) {
  const auto decoded = decode_net_kernel_call(term, size);
  if (!decoded) return;
  const IsAuthCall* call = &*decoded;
  if (call->tag_offset < 1 || call->tag_size == 0 || call->tag_offset + call->tag_size > size) __builtin_trap();
  if (::strnlen(call->from.node, sizeof(call->from.node)) == sizeof(call->from.node)) __builtin_trap();
  // The answer echoes the tag: it must come out as a valid term.
  TermWriter answer;
  answer.tuple(2).raw(term + call->tag_offset, call->tag_size).atom("yes");
  if (answer.ok() && !validate_term(answer.data(), answer.size())) __builtin_trap();
}

void check_membership(const std::vector<std::string>& members) {
  constexpr const char* kSelf = "self@127.0.0.1";
  DistOptions options;
  options.max_learned_nodes = 8;
  Membership membership(kSelf, shoal::config::DistMode::LongNames, options);
  const auto learned = membership.learn(members, true, shoal::core::Time{});
  const auto known = membership.known_nodes();
  if (known.size() > options.max_learned_nodes || known.size() != learned.added.size()) __builtin_trap();
  if (learned.added.size() + learned.refused > members.size()) __builtin_trap();
  for (const auto& node : known) {
    if (node == kSelf || !check_node_name(node, shoal::config::DistMode::LongNames).empty()) __builtin_trap();
  }
  // Every learned name is dialled once, then waits out its backoff.
  std::size_t dialled = 0;
  for (auto next = membership.next_dial(shoal::core::Time{}); !next.node.empty();
       next = membership.next_dial(shoal::core::Time{})) {
    if (++dialled > known.size()) __builtin_trap();
    const auto decision = membership.dial_finished(next.node, Membership::DialResult::Unreachable, false,
                                                   shoal::core::Time{});
    if (decision.action != Membership::DialDecision::Action::Retry || decision.retry_in.count() <= 0) __builtin_trap();
  }
  if (dialled != known.size()) __builtin_trap();
}

void check_control(const char* term, std::size_t size) {
  const auto message = decode_control_message(term, size);
  if (message.kind != ControlMessage::Kind::Members && !message.members.empty()) __builtin_trap();
  if (message.members.size() > size) __builtin_trap();
  if (message.kind == ControlMessage::Kind::Members) check_membership(message.members);
}

// The routing of one received message: the kind follows from the name and from validation alone.
void check_classified(const char* term, std::size_t size, bool valid) {
  for (const char* to : {kNetKernelName, kControlName, kCallName, "shoal_events"}) {
    const auto message = classify_message(ERL_REG_SEND, to, term, size);
    using Kind = InboundMessage::Kind;
    if (message.to != to) __builtin_trap();
    if (!valid) {
      if (message.kind != Kind::Malformed && message.kind != Kind::TooLarge) __builtin_trap();
      continue;
    }
    const std::string name = to;
    const Kind expected = name == kNetKernelName ? Kind::NetKernel
                          : name == kControlName ? Kind::Control
                          : name == kCallName && message.envelope.kind != CallEnvelope::Kind::NotAnEnvelope
                              ? Kind::Call
                              : Kind::User;
    if (message.kind != expected) __builtin_trap();
  }
  const auto to_pid = classify_message(ERL_SEND, kCallName, term, size);
  if (!to_pid.to.empty() || (valid && to_pid.kind != InboundMessage::Kind::User)) __builtin_trap();
}

void check_call_envelope(const char* term, std::size_t size) {
  const auto envelope = decode_call_envelope(term, size);
  const bool carries_term =
      envelope.kind == CallEnvelope::Kind::Call || envelope.kind == CallEnvelope::Kind::Reply;
  if (!carries_term) {
    if (!envelope.payload.empty()) __builtin_trap();
    return;
  }
  // Handlers and callers get the payload as a term of its own.
  if (!validate_term(envelope.payload.data(), envelope.payload.size())) __builtin_trap();
  const char* payload = payload_buffer().place(envelope.payload);
  if (envelope.kind == CallEnvelope::Kind::Call) {
    check_cluster_call(payload, envelope.payload.size());
  } else {
    check_replies(payload, envelope.payload.size());
  }
}

void check_message(std::span<const char> bytes) {
  const char* term = message_buffer().place(bytes);
  const std::size_t size = bytes.size();
  check_cluster_call(term, size);
  check_relayed_event(term, size);
  check_replies(term, size);
  const bool valid = validate_term(term, size);
  check_classified(term, size, valid);
  if (!valid) return;
  check_net_kernel(term, size);
  check_control(term, size);
  check_call_envelope(term, size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxTermSize + 1) return 0;
  const std::span<const char> input(reinterpret_cast<const char*>(data), size);
  check_message(input);
  // Mutations rarely keep the version byte in front: every input is also tried as a term.
  if (size > 0 && data[0] != kTermVersion && size <= kMaxTermSize) {
    std::vector<char> versioned;
    versioned.reserve(size + 1);
    versioned.push_back(static_cast<char>(kTermVersion));
    versioned.insert(versioned.end(), input.begin(), input.end());
    check_message(versioned);
  }
  return 0;
}
