// What DistNode does with a message a connection received: classify_message() (dist_messages)
// decodes it into one event, and each event is acted on here, on the connection's reader thread.
#include "cluster/dist_node_impl.hpp"

#include "cluster/term.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <string_view>

namespace shoal::cluster {

void DistNode::Impl::handle_message(Conn& c, const erlang_msg& msg, const char* buf, std::size_t size) {
  auto message =
      classify_message(msg.msgtype, std::string_view(msg.toname, ::strnlen(msg.toname, sizeof(msg.toname))),
                       buf, size);
  switch (message.kind) {
    case InboundMessage::Kind::Ignored:
      return;
    case InboundMessage::Kind::TooLarge:
      spdlog::warn("cluster: dropping a {} byte message from :\"{}\" (limit {})", size, c.name, kMaxTermSize);
      return;
    case InboundMessage::Kind::Malformed:
      spdlog::warn("cluster: dropping a malformed message from :\"{}\" to \"{}\"", c.name, message.to);
      return;
    case InboundMessage::Kind::NetKernel:
      handle_net_kernel(c, message.net_kernel, buf);
      return;
    case InboundMessage::Kind::Control:
      handle_control(c, message.control);
      return;
    case InboundMessage::Kind::Call:
      handle_call_protocol(c, std::move(message.envelope));
      return;
    case InboundMessage::Kind::User:
      break;
  }
  if (!message_handler) return;
  try {
    message_handler(c.name, message.to, std::vector<char>(buf, buf + size));
  } catch (const std::exception& e) {
    spdlog::error("cluster message handler threw: {}", e.what());
  } catch (...) {
    spdlog::error("cluster message handler threw");
  }
}

void DistNode::Impl::handle_net_kernel(Conn& c, const core::Result<IsAuthCall, NetKernelError>& decoded,
                                       const char* buf) {
  if (!decoded) {
    if (decoded.error() == NetKernelError::NotAGenCall) {
      spdlog::debug("cluster: ignoring a net_kernel message from :\"{}\"", c.name);
    } else {
      spdlog::debug("cluster: ignoring a net_kernel call from :\"{}\"", c.name);
    }
    return;
  }
  const IsAuthCall& call = *decoded;
  TermWriter w;
  encode_is_auth_answer(w, buf + call.tag_offset, call.tag_size);
  if (w.ok()) c.send_pid(call.from, w.data(), w.size());
}

void DistNode::Impl::handle_control(Conn& c, const ControlMessage& message) {
  if (!c.shoal.exchange(true)) {
    // First shoal message: a shoal node, to be kept connected, and news for our other peers.
    std::lock_guard lock(mu);
    membership.spoke_shoal(c.name, core::now());
  }
  if (message.kind == ControlMessage::Kind::Members) learn(message.members, true);
}

void DistNode::Impl::handle_call_protocol(Conn& c, CallEnvelope envelope) {
  switch (envelope.kind) {
    case CallEnvelope::Kind::Call: {
      Job job{find_conn(c.name), envelope.ref, std::move(envelope.payload)};
      bool queued = false;
      if (job.conn.get() == &c) {
        std::lock_guard lock(work_mu);
        if (jobs.size() < options.max_queued_requests && !stopping) {
          jobs.push_back(std::move(job));
          queued = true;
        }
      }
      if (queued) {
        work_cv.notify_one();
      } else {
        TermWriter w;
        encode_noreply(w, envelope.ref);
        if (w.ok()) c.send_reg(kCallName, w.data(), w.size());
      }
      return;
    }
    case CallEnvelope::Kind::Reply:
      calls.complete(envelope.ref, c.name, std::move(envelope.payload));
      return;
    case CallEnvelope::Kind::NoReply:
      calls.complete(envelope.ref, c.name, std::nullopt);
      return;
    case CallEnvelope::Kind::NotAnEnvelope:
      return;  // classify_message() routes these to the message handler
  }
}

void DistNode::Impl::learn(const std::vector<std::string>& nodes, bool from_peer) {
  Membership::Learned learned;
  {
    std::lock_guard lock(mu);
    learned = membership.learn(nodes, from_peer, core::now());
  }
  for (const auto& n : learned.added) spdlog::debug("cluster: learned about node :\"{}\"", n);
  if (learned.refused > 0 && warn_due("learned-cap")) {
    spdlog::warn("cluster: ignoring {} node names learned from peers: {} learned names are kept at most",
                 learned.refused, options.max_learned_nodes);
  }
  if (learned.changed) cv.notify_all();
}

std::vector<char> DistNode::Impl::run_call_handler(const std::string& from, const std::vector<char>& request) {
  if (!call_handler) return {};
  try {
    auto response = call_handler(from, request.data(), request.size());
    if (!response.empty() && !validate_term(response)) {
      spdlog::warn("cluster: call handler returned a malformed term; answering noreply");
      return {};
    }
    return response;
  } catch (const std::exception& e) {
    spdlog::error("cluster call handler threw: {}", e.what());
  } catch (...) {
    spdlog::error("cluster call handler threw");
  }
  return {};
}

}  // namespace shoal::cluster
