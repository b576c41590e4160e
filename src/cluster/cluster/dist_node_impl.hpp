#pragma once
// DistNode's state, shared by its threads (private to the cluster library). The node is spread
// over three files by role:
//   dist_node.cpp              threads (acceptor, connectors, manager, workers, readers), start, stop
//   dist_node_connections.cpp  the live connections: installing one (duplicates), ending one
//   dist_node_inbound.cpp      acting on what a connection received (dist_messages.hpp's events)
// What is pure lives apart: the protocol (dist_messages), pending calls (dist_call_table), the
// membership state machine (dist_membership), one connection's I/O (dist_conn).
#include "cluster/dist_call_table.hpp"
#include "cluster/dist_conn.hpp"
#include "cluster/dist_membership.hpp"
#include "cluster/dist_messages.hpp"
#include "cluster/dist_node.hpp"
#include "cluster/dist_transport.hpp"
#include "core/result.hpp"

#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shoal::cluster {

// A call() request from another node, waiting for a worker.
struct Job {
  std::shared_ptr<Conn> conn;
  unsigned long long ref = 0;
  std::vector<char> request;
};

struct DistNode::Impl {
  Impl(config::DistConfig c, DistOptions o)
      : config(std::move(c)), options(std::move(o)), membership(config.node_name, config.mode, options) {}
  ~Impl() { stop(); }

  config::DistConfig config;
  DistOptions options;
  MessageHandler message_handler;
  CallHandler call_handler;
  MembershipHandler membership_handler;

  std::unique_ptr<DistTransport> transport;  // before ec: ec points at its callbacks
  ei_cnode ec{};
  erlang_pid self_pid{};
  int listen_fd = -1;
  int epmd_fd = -1;
  int stop_fd = -1;
  std::uint16_t port = 0;

  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  bool started = false;
  std::mutex lifecycle_mu;

  // Connections, known nodes and reporting state.
  mutable std::mutex mu;
  std::condition_variable cv;  // connectors wait here
  std::map<std::string, std::shared_ptr<Conn>> conns;
  Membership membership;
  std::vector<std::shared_ptr<Conn>> readers;  // connections whose reader thread runs / ran
  WarningThrottle warnings;

  CallTable calls;

  // Request handler workers.
  std::mutex work_mu;
  std::condition_variable work_cv;
  std::deque<Job> jobs;

  std::vector<std::thread> acceptors;  // each serves one incoming handshake at a time
  std::thread manager;
  std::vector<std::thread> connectors;
  std::vector<std::thread> workers;

  // ---- lifecycle (dist_node.cpp) -----------------------------------------------------------

  DistStatus start();
  void stop();

  // ---- threads (dist_node.cpp) -------------------------------------------------------------

  void acceptor_loop();  // serves handshakes of connections the gate found ready (dist_gate.hpp)
  void connector_loop();
  void manager_loop();
  void worker_loop();
  void reader_loop(Conn& c);
  // ei_connect_tmo, but with the EPMD lookup done here (see epmd_port_please). Returns the
  // connection's descriptor, or ERL_NO_PORT / ERL_CONNECT_FAIL / ERL_ERROR with `err` set.
  int dial(const std::string& node, int& err, std::string& tls_failure);
  static Membership::DialResult dial_result(int fd);
  void log_dial(const std::string& node, const Membership::DialDecision& decision, int fd, int err,
                const std::string& tls_failure, bool warn, bool warn_tls);

  // ---- connections (dist_node_connections.cpp) ---------------------------------------------

  std::shared_ptr<Conn> make_conn(int fd, const std::string& name, bool outgoing);
  // Makes `c` the connection to its node, resolving duplicates (see new_connection_wins).
  bool install(const std::shared_ptr<Conn>& c);
  void finish_conn(Conn& c, const std::string& reason);
  std::shared_ptr<Conn> find_conn(const std::string& node) const;
  // {shoal_members, [Node]}: our shoal peers except the receiver.
  void send_members(Conn& c);
  void notify_membership(const std::string& node, bool connected);
  bool warn_due(const std::string& key);

  // ---- what arrives (dist_node_inbound.cpp) -------------------------------------------------

  void handle_message(Conn& c, const erlang_msg& msg, const char* buf, std::size_t size);
  // net_adm:ping/1: answer {Tag, yes} to the caller.
  void handle_net_kernel(Conn& c, const core::Result<IsAuthCall, NetKernelError>& decoded, const char* buf);
  void handle_control(Conn& c, const ControlMessage& message);
  void handle_call_protocol(Conn& c, CallEnvelope envelope);
  void learn(const std::vector<std::string>& nodes, bool from_peer);
  std::vector<char> run_call_handler(const std::string& from, const std::vector<char>& request);
};

}  // namespace shoal::cluster
