// DistNode's threads and lifecycle; the state they share is dist_node_impl.hpp's.
#include "cluster/dist_node.hpp"

#include "cluster/dist_node_impl.hpp"
#include "cluster/epmd.hpp"
#include "cluster/term.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>

namespace shoal::cluster {

namespace {

std::once_flag g_ei_once;
int g_ei_init_result = -1;

// ei writes with write()/writev(): a peer that went away would raise SIGPIPE. Our own threads
// block it for good; a user thread sending through us blocks it around the write and discards a
// SIGPIPE the write raised (Conn's sends, dist_conn.cpp).
void block_sigpipe_in_this_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void set_cloexec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

}  // namespace

// ---- threads ---------------------------------------------------------------------------------

// Serves handshakes of connections the gate found ready (see dist_gate.hpp).
void DistNode::Impl::acceptor_loop() {
  block_sigpipe_in_this_thread();
  DistGate& gate = *transport->gate();
  while (!stopping) {
    auto ready = gate.take(std::chrono::milliseconds(500));
    if (!ready) continue;
    sockaddr_in from = ready->peer;
    DistTransport::hand_to_accept(std::move(*ready));
    ErlConnect con;
    std::memset(&con, 0, sizeof(con));
    int fd = ei_accept_tmo(&ec, listen_fd, &con, to_tmo(options.handshake_timeout));
    gate.finished(from);
    std::string peer(con.nodename, ::strnlen(con.nodename, sizeof(con.nodename)));
    if (fd < 0) {
      int err = erl_errno;
      if (!peer.empty() && err == ETIMEDOUT) {
        spdlog::debug("cluster: incoming handshake from \"{}\" timed out", peer);
      } else if (!peer.empty() && warn_due("accept:" + peer)) {
        spdlog::warn("rejected a connection attempt from :\"{}\": distribution handshake failed ({}); "
                     "is the cookie the same on both nodes?",
                     peer, errno_text(err));
      } else {
        spdlog::debug("cluster: incoming handshake failed ({}), peer \"{}\"", errno_text(err), peer);
      }
      continue;
    }
    if (peer.empty() || peer.find('@') == std::string::npos) {
      ei_close_connection(fd);
      continue;
    }
    if (auto c = make_conn(fd, peer, false)) install(c);
  }
}

int DistNode::Impl::dial(const std::string& node, int& err, std::string& tls_failure) {
  const std::string alive = node.substr(0, node.find('@'));
  const std::string host = node.substr(node.find('@') + 1);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    err = EHOSTUNREACH;
    return ERL_CONNECT_FAIL;
  }
  in_addr address = reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr;
  ::freeaddrinfo(found);
  auto lookup = epmd_port_please(address, alive, options.handshake_timeout);
  if (lookup.result == EpmdLookup::Result::NotRegistered) return ERL_NO_PORT;
  if (lookup.result != EpmdLookup::Result::Found) {
    err = ECONNREFUSED;
    return ERL_CONNECT_FAIL;
  }
  DistTransport::Dialing dialing(host);
  int fd = ei_xconnect_host_port_tmo(&ec, &address, lookup.port, to_tmo(options.handshake_timeout));
  err = erl_errno;
  tls_failure = dialing.tls_failure();
  return fd;
}

Membership::DialResult DistNode::Impl::dial_result(int fd) {
  if (fd >= 0) return Membership::DialResult::Connected;
  if (fd == ERL_NO_PORT) return Membership::DialResult::NotRegistered;
  if (fd == ERL_CONNECT_FAIL) return Membership::DialResult::Unreachable;
  return Membership::DialResult::HandshakeFailed;
}

void DistNode::Impl::connector_loop() {
  block_sigpipe_in_this_thread();
  std::unique_lock lock(mu);
  while (!stopping) {
    const core::Time now = core::now();
    auto next = membership.next_dial(now);
    if (next.node.empty()) {
      cv.wait_for(lock, std::max<core::Duration>(next.wake_at - now, std::chrono::milliseconds(1)));
      continue;
    }
    const std::string pick = std::move(next.node);
    lock.unlock();

    int err = 0;
    std::string tls_failure;
    const int fd = dial(pick, err, tls_failure);
    std::shared_ptr<Conn> conn = fd >= 0 ? make_conn(fd, pick, true) : nullptr;
    bool installed = conn && install(conn);
    Membership::DialDecision decision;
    bool stopping_now = false;
    {
      std::lock_guard relock(mu);
      decision = membership.dial_finished(pick, dial_result(fd), installed, core::now());
      stopping_now = stopping;
    }
    const bool warn = decision.handshake_warning && !stopping_now && warn_due("connect:" + pick);
    const bool warn_tls = !tls_failure.empty() && !stopping_now && warn_due("tls:" + pick);
    log_dial(pick, decision, fd, err, tls_failure, warn, warn_tls);
    lock.lock();
  }
}

void DistNode::Impl::log_dial(const std::string& node, const Membership::DialDecision& decision, int fd,
                              int err, const std::string& tls_failure, bool warn, bool warn_tls) {
  using Action = Membership::DialDecision::Action;
  if (decision.action == Action::Expired) {
    spdlog::info("cluster: forgetting :\"{}\", learned from a peer and unreachable for {} s", node,
                 options.learned_expiry.count() / 1000);
  }
  if (decision.action != Action::Retry) return;
  if (!tls_failure.empty()) {
    if (warn_tls) spdlog::warn("could not connect to :\"{}\": TLS handshake failed: {}", node, tls_failure);
  } else if (fd == ERL_NO_PORT) {
    spdlog::debug("cluster: :\"{}\" is not registered with its EPMD (not started yet?); retry in {} ms", node,
                  decision.retry_in.count());
  } else if (fd == ERL_CONNECT_FAIL) {
    spdlog::debug("cluster: cannot reach :\"{}\" ({}); retry in {} ms", node, errno_text(err),
                  decision.retry_in.count());
  } else if (warn && err == ETIMEDOUT) {
    spdlog::warn("could not connect to :\"{}\": distribution handshake timed out", node);
  } else if (warn) {
    spdlog::warn("could not connect to :\"{}\": distribution handshake failed ({}); "
                 "is the cookie the same on both nodes?",
                 node, errno_text(err));
  } else {
    spdlog::debug("cluster: connecting to :\"{}\" failed ({})", node, errno_text(err));
  }
}

void DistNode::Impl::manager_loop() {
  block_sigpipe_in_this_thread();
  auto heartbeat = encode_heartbeat();
  core::Time next_heartbeat = core::now() + options.heartbeat_interval;
  while (!stopping) {
    pollfd p{stop_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) break;
    const core::Time now = core::now();
    std::vector<std::shared_ptr<Conn>> live;
    std::vector<std::shared_ptr<Conn>> done;
    std::vector<std::string> gone;
    bool dirty = false;
    {
      std::lock_guard lock(mu);
      for (const auto& [name, c] : conns) live.push_back(c);
      gone = membership.take_disconnected(now);
      for (auto it = readers.begin(); it != readers.end();) {
        if ((*it)->finished) {
          done.push_back(std::move(*it));
          it = readers.erase(it);
        } else {
          ++it;
        }
      }
      dirty = membership.take_members_dirty();
    }
    for (auto& c : done) {
      if (c->reader.joinable()) c->reader.join();
    }
    for (const auto& node : gone) {
      spdlog::warn("disconnected from :\"{}\"", node);
      notify_membership(node, false);
    }
    if (now >= next_heartbeat) {
      next_heartbeat = now + options.heartbeat_interval;
      for (auto& c : live) c->send_reg(kControlName, heartbeat.data(), heartbeat.size());
    }
    for (auto& c : live) {
      auto limit = c->shoal ? options.heartbeat_timeout : options.erlang_peer_timeout;
      const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - c->last_rx.load());
      if (silent > limit && !c->closing) {
        spdlog::warn("cluster: nothing received from :\"{}\" for {} ms; dropping the connection", c->name,
                     silent.count());
        c->request_close();
      }
    }
    if (dirty) {
      for (auto& c : live) {
        if (c->shoal) send_members(*c);
      }
    }
  }
}

void DistNode::Impl::worker_loop() {
  block_sigpipe_in_this_thread();
  while (true) {
    Job job;
    {
      std::unique_lock lock(work_mu);
      work_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (stopping) return;
      job = std::move(jobs.front());
      jobs.pop_front();
    }
    auto response = run_call_handler(job.conn->name, job.request);
    TermWriter w;
    if (!response.empty()) encode_reply(w, job.ref, response.data(), response.size());
    if (response.empty() || !w.ok()) {
      TermWriter none;
      encode_noreply(none, job.ref);
      if (none.ok()) job.conn->send_reg(kCallName, none.data(), none.size());
      continue;
    }
    job.conn->send_reg(kCallName, w.data(), w.size());
  }
}

void DistNode::Impl::reader_loop(Conn& c) {
  block_sigpipe_in_this_thread();
  FrameReader frames(c);
  std::string reason = "stopped";
  while (frames.has_buffer() && !stopping) {
    // TLS may already hold bytes taken off the socket, which poll() would not report.
    if (!c.socket->has_buffered_input()) {
      pollfd fds[2] = {{c.fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      int rc = ::poll(fds, 2, 500);
      if (rc < 0) {
        if (errno == EINTR) continue;
        reason = "poll: " + errno_text(errno);
        break;
      }
      if (fds[1].revents != 0) break;
      if (rc == 0 || fds[0].revents == 0) continue;
      if (fds[0].revents & POLLNVAL) {
        reason = "socket closed";
        break;
      }
    }
    const auto step = frames.next();
    if (step == FrameReader::Step::Ended) {
      reason = frames.reason();
      break;
    }
    if (step == FrameReader::Step::Message) handle_message(c, frames.message(), frames.data(), frames.size());
  }
  if (!frames.has_buffer()) reason = "out of memory";
  finish_conn(c, reason);
}

// ---------------------------------------------------------------------------------------------

DistStatus DistNode::Impl::start() {
  std::lock_guard life(lifecycle_mu);
  if (started) return {"the distribution node was already started"};
  started = true;

  const std::string& node = config.node_name;
  if (auto e = check_node_name(node, config.mode); !e.empty()) return {e};
  if (config.cookie.empty() || config.cookie.size() > EI_MAX_COOKIE_SIZE) {
    return {"invalid distribution cookie: expected 1 to " + std::to_string(EI_MAX_COOKIE_SIZE) + " characters"};
  }
  if (options.heartbeat_interval.count() <= 0 || options.heartbeat_timeout <= options.heartbeat_interval ||
      options.retry_initial.count() <= 0 || options.retry_max < options.retry_initial) {
    return {"invalid distribution options"};
  }

  if (auto e = ensure_epmd(options.epmd_program); !e.empty()) return {e};

  std::call_once(g_ei_once, [] { g_ei_init_result = ei_init(); });
  if (g_ei_init_result != 0) return {"erl_interface initialisation (ei_init) failed"};

  auto at = node.find('@');
  std::string alive = node.substr(0, at);
  std::string host = node.substr(at + 1);
  std::random_device rd;
  unsigned creation = (static_cast<unsigned>(rd()) & 0x7fffffffu) | 1u;
  auto created = DistTransport::create(config.tls);
  if (!created) return {created.error()};
  transport = *std::move(created);
  in_addr unused{};
  if (ei_connect_xinit_ussi(&ec, host.c_str(), alive.c_str(), node.c_str(), &unused, config.cookie.c_str(),
                            creation, transport->callbacks(), sizeof(ei_socket_callbacks), transport.get()) < 0) {
    return {"erl_interface could not be initialised for node " + node};
  }

  // Listen on the first free port of the range (any free port without a range).
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  if (config.port_range) {
    first = config.port_range->from;
    last = config.port_range->to;
  }
  int last_error = 0;
  for (std::uint32_t p = first; p <= last && listen_fd < 0; ++p) {
    in_addr address{};
    address.s_addr = htonl(config.listen_ip.to_uint());
    int chosen = static_cast<int>(p);
    int fd = ei_xlisten(&ec, &address, &chosen, 128);
    if (fd >= 0) {
      listen_fd = fd;
      port = static_cast<std::uint16_t>(chosen);
    } else {
      last_error = erl_errno;
    }
  }
  if (listen_fd < 0) {
    if (config.port_range) {
      return {"Couldn't listen on a distribution port between " + std::to_string(first) + " and " +
              std::to_string(last) + ": " + errno_text(last_error)};
    }
    return {"Couldn't listen on a distribution port: " + errno_text(last_error)};
  }
  // A connection reaches accept() only once it has sent something (every real node starts with
  // its name or a TLS hello), so idle connections wait in the kernel, not even in the gate.
  const int defer_seconds = 30;
  ::setsockopt(listen_fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds, sizeof defer_seconds);
  if (auto gate = transport->start_gate(listen_fd, options.gate); !gate) {
    ei_close_connection(listen_fd);
    listen_fd = -1;
    return {gate.error()};
  }

  epmd_fd = ei_publish_tmo(&ec, port, to_tmo(options.handshake_timeout));
  if (epmd_fd < 0) {
    int err = erl_errno;
    ei_close_connection(listen_fd);
    listen_fd = -1;
    return {"Couldn't register " + node + " with EPMD (is a node with that name already running?): " +
            errno_text(err)};
  }
  set_cloexec(epmd_fd);
  self_pid = *ei_self(&ec);
  self_pid.num = 0;
  self_pid.serial = 0;

  stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) {
    ::close(epmd_fd);
    epmd_fd = -1;
    ei_close_connection(listen_fd);
    listen_fd = -1;
    return {"eventfd: " + errno_text(errno)};
  }

  {
    std::lock_guard lock(mu);
    const core::Time now = core::now();
    for (const auto& n : config.nodes) {
      if (n == node) continue;
      if (auto e = check_node_name(n, config.mode); !e.empty()) {
        spdlog::warn("cluster: ignoring {}", e);
        continue;
      }
      membership.configure(n, now);
    }
  }

  running = true;
  try {
    for (std::size_t i = 0; i < std::max<std::size_t>(options.handshake_threads, 1); ++i) {
      acceptors.emplace_back([this] { acceptor_loop(); });
    }
    manager = std::thread([this] { manager_loop(); });
    for (int i = 0; i < 2; ++i) connectors.emplace_back([this] { connector_loop(); });
    for (std::size_t i = 0; i < std::max<std::size_t>(options.handler_threads, 1); ++i) {
      workers.emplace_back([this] { worker_loop(); });
    }
  } catch (const std::system_error& e) {
    lifecycle_mu.unlock();
    stop();
    lifecycle_mu.lock();
    return {std::string("cannot start distribution threads: ") + e.what()};
  }
  spdlog::info("distribution started: node :\"{}\" on port {}{}", node, port,
               transport->tls() ? " (TLS)" : "");
  return {};
}

void DistNode::Impl::stop() {
  std::lock_guard life(lifecycle_mu);
  if (!running.exchange(false)) return;
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  {
    std::lock_guard lock(work_mu);  // no worker misses the flag between check and wait
  }
  // Unregister first so that no node looks our port up while we close it.
  if (epmd_fd >= 0) ::close(epmd_fd);
  epmd_fd = -1;
  std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(stop_fd, &one, sizeof(one));
  cv.notify_all();
  work_cv.notify_all();

  std::vector<std::shared_ptr<Conn>> all;
  {
    std::lock_guard lock(mu);
    all = readers;
  }
  for (auto& c : all) c->request_close();
  calls.fail_all();

  if (transport) transport->stop_gate();
  for (auto& t : acceptors) t.join();
  acceptors.clear();
  if (manager.joinable()) manager.join();
  for (auto& t : connectors) t.join();
  for (auto& t : workers) t.join();
  connectors.clear();
  workers.clear();

  {
    std::lock_guard lock(mu);
    all = std::move(readers);
    readers.clear();
  }
  for (auto& c : all) {
    c->request_close();
    if (c->reader.joinable()) c->reader.join();
  }
  all.clear();
  {
    std::lock_guard lock(mu);
    conns.clear();
    membership.clear_connections();
  }
  {
    std::lock_guard lock(work_mu);
    jobs.clear();
  }
  calls.fail_all();

  if (listen_fd >= 0) ei_close_connection(listen_fd);
  listen_fd = -1;
  if (stop_fd >= 0) ::close(stop_fd);
  stop_fd = -1;
  spdlog::info("distribution stopped: node :\"{}\"", config.node_name);
}

// ---------------------------------------------------------------------------------------------

DistNode::DistNode(config::DistConfig config, DistOptions options)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(options))) {}

DistNode::~DistNode() { impl_->stop(); }

void DistNode::on_message(MessageHandler handler) { impl_->message_handler = std::move(handler); }
void DistNode::on_call(CallHandler handler) { impl_->call_handler = std::move(handler); }
void DistNode::on_membership(MembershipHandler handler) { impl_->membership_handler = std::move(handler); }

DistStatus DistNode::start() {
  try {
    auto status = impl_->start();
    if (!status.has_value()) impl_->stop();
    return status;
  } catch (const std::exception& e) {
    impl_->stop();
    return {std::string("distribution start-up failed: ") + e.what()};
  }
}

void DistNode::stop() { impl_->stop(); }

bool DistNode::running() const { return impl_->running; }
const std::string& DistNode::node_name() const { return impl_->config.node_name; }
std::uint16_t DistNode::port() const { return impl_->port; }

DistStatus DistNode::connect(const std::string& node) {
  if (auto e = check_node_name(node, impl_->config.mode); !e.empty()) return {e};
  if (node == impl_->config.node_name) return {"cannot connect a node to itself"};
  impl_->learn({node}, false);
  return {};
}

void DistNode::forget(const std::string& node) {
  std::lock_guard lock(impl_->mu);
  impl_->membership.forget(node);
}

std::vector<std::string> DistNode::connected_nodes() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, c] : impl_->conns) out.push_back(name);
  return out;  // std::map: already sorted
}

std::vector<std::string> DistNode::known_nodes() const {
  std::lock_guard lock(impl_->mu);
  return impl_->membership.known_nodes();
}

bool DistNode::is_connected(const std::string& node) const {
  std::lock_guard lock(impl_->mu);
  return impl_->conns.count(node) != 0;
}

DistStatus DistNode::send(const std::string& node, const std::string& registered_name,
                          const std::vector<char>& term) {
  if (registered_name.empty() || registered_name.size() > 255) return {"invalid registered name"};
  if (term.size() > kMaxTermSize + 1) return {"term larger than 1 MiB"};
  if (!validate_term(term)) return {"malformed term"};
  if (!impl_->running) return {"distribution is not running"};
  auto conn = impl_->find_conn(node);
  if (!conn) return {"not connected to " + node};
  if (!conn->send_reg(registered_name.c_str(), term.data(), term.size())) {
    return {"sending to " + node + " failed"};
  }
  return {};
}

std::optional<std::vector<char>> DistNode::call(const std::string& node, const std::vector<char>& request,
                                                std::chrono::milliseconds timeout) {
  try {
    auto& impl = *impl_;
    if (!impl.running || !validate_term(request)) return std::nullopt;
    if (node == impl.config.node_name) {  // a call to ourselves runs the handler here
      auto response = impl.run_call_handler(node, request);
      if (response.empty()) return std::nullopt;
      return response;
    }
    auto conn = impl.find_conn(node);
    if (!conn) return std::nullopt;

    // Registered before sending: the answer may arrive before send_reg returns.
    const auto ref = impl.calls.open(node);
    TermWriter w;
    encode_call(w, ref, impl.config.node_name, request.data(), request.size());
    bool sent = w.ok() && impl.running && conn->send_reg(kCallName, w.data(), w.size());
    return impl.calls.wait(ref, sent ? timeout : std::chrono::milliseconds(0));
  } catch (const std::exception& e) {
    spdlog::error("cluster call to :\"{}\" failed: {}", node, e.what());
    return std::nullopt;
  }
}

}  // namespace shoal::cluster
