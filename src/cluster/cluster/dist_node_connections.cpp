// DistNode's live connections: one per node, installed when a handshake ends (resolving
// duplicates), ended by its reader thread.
#include "cluster/dist_node_impl.hpp"

#include "cluster/term.hpp"

#include <spdlog/spdlog.h>

#include <system_error>

namespace shoal::cluster {

std::shared_ptr<Conn> DistNode::Impl::make_conn(int fd, const std::string& name, bool outgoing) {
  auto socket = transport->find(fd);
  if (!socket) {
    ei_close_connection(fd);
    return nullptr;
  }
  return std::make_shared<Conn>(name, fd, std::move(socket), outgoing, self_pid, options.io_timeout);
}

bool DistNode::Impl::install(const std::shared_ptr<Conn>& c) {
  std::shared_ptr<Conn> replaced;
  bool keep = true;
  bool announce = false;
  {
    std::lock_guard lock(mu);
    if (stopping || c->name == config.node_name) {
      keep = false;
    } else {
      auto it = conns.find(c->name);
      if (it != conns.end()) {
        if (new_connection_wins(config.node_name, c->name, it->second->outgoing, c->outgoing)) {
          replaced = it->second;
        } else {
          keep = false;
        }
      }
      if (keep) {
        try {
          c->reader = std::thread([this, raw = c.get()] { reader_loop(*raw); });
        } catch (const std::system_error& e) {
          spdlog::error("cluster: cannot start a reader thread: {}", e.what());
          keep = false;
        }
      }
      if (keep) {
        readers.push_back(c);
        conns[c->name] = c;
        announce = membership.connection_up(c->name);
      }
    }
  }
  if (replaced) {
    spdlog::debug("cluster: replacing the connection to :\"{}\"", c->name);
    replaced->request_close();
  }
  if (!keep) {
    spdlog::debug("cluster: dropping a duplicate connection to :\"{}\"", c->name);
    c->discard();
    return false;
  }
  if (announce) {
    spdlog::info("connected to :\"{}\"", c->name);
    notify_membership(c->name, true);
  }
  send_members(*c);
  return true;
}

void DistNode::Impl::finish_conn(Conn& c, const std::string& reason) {
  bool was_current = false;
  {
    std::lock_guard lock(mu);
    auto it = conns.find(c.name);
    if (it != conns.end() && it->second.get() == &c) {
      conns.erase(it);
      was_current = true;
      membership.connection_lost(c.name, core::now(), stopping);
    }
  }
  if (was_current) {
    spdlog::debug("cluster: connection to :\"{}\" ended: {}", c.name, reason);
    cv.notify_all();
    calls.fail_node(c.name);
  }
  c.finish();
}

std::shared_ptr<Conn> DistNode::Impl::find_conn(const std::string& node) const {
  std::lock_guard lock(mu);
  auto it = conns.find(node);
  return it == conns.end() ? nullptr : it->second;
}

void DistNode::Impl::send_members(Conn& c) {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu);
    for (const auto& [name, conn] : conns) {
      if (name != c.name && conn->shoal) names.push_back(name);
    }
  }
  TermWriter w;
  encode_members(w, names);
  if (w.ok()) c.send_reg(kControlName, w.data(), w.size());
}

void DistNode::Impl::notify_membership(const std::string& node, bool connected) {
  if (!membership_handler) return;
  try {
    membership_handler(node, connected);
  } catch (const std::exception& e) {
    spdlog::error("cluster membership handler threw: {}", e.what());
  } catch (...) {
    spdlog::error("cluster membership handler threw");
  }
}

bool DistNode::Impl::warn_due(const std::string& key) {
  std::lock_guard lock(mu);
  return warnings.due(key, core::now());
}

}  // namespace shoal::cluster
