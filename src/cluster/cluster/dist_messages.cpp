#include "cluster/dist_messages.hpp"

#include <optional>

namespace shoal::cluster {

namespace {

// Index helpers around ei's int-indexed decoders (buffers are validated and < 2 GiB).
struct Reader {
  const char* buf;
  std::size_t size;
  int index = 1;  // after the version byte

  std::size_t pos() const { return static_cast<std::size_t>(index); }
  bool tuple(int& arity) { return ei_decode_tuple_header(buf, &index, &arity) == 0; }
  bool list(int& arity) { return ei_decode_list_header(buf, &index, &arity) == 0; }
  std::optional<std::string> atom() {
    std::size_t p = pos();
    auto a = decode_atom(buf, size, p);
    if (a) index = static_cast<int>(p);
    return a;
  }
  bool ulonglong(unsigned long long& value) {
    EI_ULONGLONG v = 0;
    if (ei_decode_ulonglong(buf, &index, &v) != 0) return false;
    value = v;
    return true;
  }
  bool pid(erlang_pid& p) { return ei_decode_pid(buf, &index, &p) == 0; }
  // Skips one (validated) term, returning its span.
  bool skip(std::size_t& start, std::size_t& end) {
    std::size_t p = pos();
    start = p;
    if (!validate_term_at(buf, size, p)) return false;
    end = p;
    index = static_cast<int>(p);
    return true;
  }
};

std::vector<char> with_version(const char* term, std::size_t size) {
  std::vector<char> out;
  out.reserve(size + 1);
  out.push_back(static_cast<char>(kTermVersion));
  out.insert(out.end(), term, term + size);
  return out;
}

}  // namespace

ControlMessage decode_control_message(const char* term, std::size_t size) {
  ControlMessage message;
  // Any lone atom counts as the heartbeat: only its arrival matters.
  std::size_t pos = 1;
  if (auto a = decode_atom(term, size, pos); a && pos == size) {
    message.kind = ControlMessage::Kind::Heartbeat;
    return message;
  }
  Reader r{term, size};
  int arity = 0;
  if (!r.tuple(arity) || arity != 2 || r.atom() != "shoal_members") return message;
  int count = 0;
  if (!r.list(count) || count < 0) return message;
  std::vector<std::string> nodes;
  for (int i = 0; i < count; ++i) {
    auto n = r.atom();
    if (!n) return message;
    nodes.push_back(std::move(*n));
  }
  message.kind = ControlMessage::Kind::Members;
  message.members = std::move(nodes);
  return message;
}

CallEnvelope decode_call_envelope(const char* term, std::size_t size) {
  CallEnvelope envelope;
  Reader r{term, size};
  int arity = 0;
  if (!r.tuple(arity)) return envelope;
  auto tag = r.atom();
  if (!tag) return envelope;
  std::size_t start = 0;
  std::size_t end = 0;
  if (*tag == "shoal_call" && arity == 4) {
    if (!r.ulonglong(envelope.ref) || !r.atom() || !r.skip(start, end)) return envelope;
    envelope.kind = CallEnvelope::Kind::Call;
    envelope.payload = with_version(term + start, end - start);
    return envelope;
  }
  if (*tag == "shoal_reply" && arity == 3) {
    if (!r.ulonglong(envelope.ref) || !r.skip(start, end)) return envelope;
    envelope.kind = CallEnvelope::Kind::Reply;
    envelope.payload = with_version(term + start, end - start);
    return envelope;
  }
  if (*tag == "shoal_noreply" && arity == 2) {
    if (!r.ulonglong(envelope.ref)) return envelope;
    envelope.kind = CallEnvelope::Kind::NoReply;
  }
  return envelope;
}

core::Result<IsAuthCall, NetKernelError> decode_net_kernel_call(const char* term, std::size_t size) {
  Reader r{term, size};
  int arity = 0;
  IsAuthCall call;
  std::size_t tag_end = 0;
  if (!r.tuple(arity) || arity != 3 || r.atom() != "$gen_call" || !r.tuple(arity) || arity != 2 ||
      !r.pid(call.from) || !r.skip(call.tag_offset, tag_end)) {
    return NetKernelError::NotAGenCall;
  }
  if (!r.tuple(arity) || arity != 2 || r.atom() != "is_auth") return NetKernelError::NotIsAuth;
  call.tag_size = tag_end - call.tag_offset;
  return call;
}

InboundMessage classify_message(long msgtype, std::string_view to_name, const char* term, std::size_t size) {
  InboundMessage message;
  if (msgtype == ERL_REG_SEND) {
    message.to.assign(to_name);
  } else if (msgtype != ERL_SEND) {
    return message;
  }
  if (size > kMaxTermSize + 1) {
    message.kind = InboundMessage::Kind::TooLarge;
    return message;
  }
  if (!validate_term(term, size)) {
    message.kind = InboundMessage::Kind::Malformed;
    return message;
  }
  if (message.to == kNetKernelName) {
    message.kind = InboundMessage::Kind::NetKernel;
    message.net_kernel = decode_net_kernel_call(term, size);
    return message;
  }
  if (message.to == kControlName) {
    message.kind = InboundMessage::Kind::Control;
    message.control = decode_control_message(term, size);
    return message;
  }
  if (message.to == kCallName) {
    message.envelope = decode_call_envelope(term, size);
    if (message.envelope.kind != CallEnvelope::Kind::NotAnEnvelope) {
      message.kind = InboundMessage::Kind::Call;
      return message;
    }
  }
  message.kind = InboundMessage::Kind::User;
  return message;
}

void encode_members(TermWriter& out, const std::vector<std::string>& nodes) {
  out.tuple(2).atom("shoal_members");
  // [] is nil alone: ei encodes a list header of length 0 as nil already.
  if (!nodes.empty()) out.list(static_cast<long>(nodes.size()));
  for (const auto& n : nodes) out.atom(n);
  out.nil();
}

std::vector<char> encode_heartbeat() { return encode_atom("shoal_heartbeat"); }

void encode_call(TermWriter& out, unsigned long long ref, std::string_view from_node, const char* request,
                 std::size_t size) {
  out.tuple(4).atom("shoal_call").ulonglong(ref).atom(from_node).raw(request, size);
}

void encode_reply(TermWriter& out, unsigned long long ref, const char* response, std::size_t size) {
  out.tuple(3).atom("shoal_reply").ulonglong(ref).raw(response, size);
}

void encode_noreply(TermWriter& out, unsigned long long ref) { out.tuple(2).atom("shoal_noreply").ulonglong(ref); }

void encode_is_auth_answer(TermWriter& out, const char* tag, std::size_t size) {
  out.tuple(2).raw(tag, size).atom("yes");
}

}  // namespace shoal::cluster
