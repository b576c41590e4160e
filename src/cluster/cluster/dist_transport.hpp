#pragma once
// How ei reaches the network: its user-supplied socket callbacks, implemented over DistSocket
// for plain TCP and for TLS. Implementing them fully (EI_SCLBK_FLG_FULL_IMPL) also keeps ei's
// own select()-based waiting, which breaks on descriptors above 1023, off distribution
// connections. EPMD traffic is not affected: ei always speaks plain TCP to EPMD.
//
// ei knows connections by descriptor; the transport keeps the DistSocket behind each one so the
// connection's reader and writers can use the same stream (ticks, frame-length peeks).
#include "cluster/dist_gate.hpp"
#include "cluster/dist_socket.hpp"
#include "cluster/dist_tls.hpp"

#ifndef _REENTRANT
#define _REENTRANT  // thread-local erl_errno in ei.h
#endif
#include <ei.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace shoal::cluster {

class DistTransport {
 public:
  // Plain TCP without `tls`; otherwise loads the files (the error says which one failed).
  static core::Result<std::unique_ptr<DistTransport>, std::string> create(const std::optional<DistTlsFiles>& tls);
  ~DistTransport();

  ei_socket_callbacks* callbacks() { return &callbacks_; }
  bool tls() const { return tls_ != nullptr; }

  // Starts the gate in front of the listening socket ei_xlisten made.
  core::Result<void, std::string> start_gate(int listen_fd, DistGateLimits limits);
  DistGate* gate() { return gate_.get(); }
  void stop_gate();

  std::shared_ptr<DistSocket> find(int fd) const;

  // The acceptor thread hands the connection it took from the gate to ei_accept_tmo, whose
  // accept callback picks it up on the same thread.
  static void hand_to_accept(DistGate::Ready ready);
  // The node the calling thread is about to dial: its host must be named by the certificate.
  class Dialing {
   public:
    explicit Dialing(std::string host);
    ~Dialing();
    Dialing(const Dialing&) = delete;
    Dialing& operator=(const Dialing&) = delete;
    // Why TLS refused the connection this thread dialled last; empty when it did not.
    const std::string& tls_failure() const;
  };

  // ei's ctx for a socket: the socket and the transport that keeps it findable by descriptor.
  struct Entry {
    DistTransport* transport;
    std::shared_ptr<DistSocket> socket;
  };

 private:
  DistTransport() = default;
  Entry* add(std::shared_ptr<DistSocket> socket);
  static void remove(Entry* entry);

  // ei's callbacks; `ctx` is an Entry.
  static int on_socket(void** ctx, void* setup_context);
  static int on_close(void* ctx);
  static int on_listen(void* ctx, void* address, int* length, int backlog);
  static int on_accept(void** ctx, void* address, int* length, unsigned ms);
  static int on_connect(void* ctx, void* address, int length, unsigned ms);
  static int on_writev(void* ctx, const void* iov, int iovcnt, ssize_t* length, unsigned ms);
  static int on_write(void* ctx, const char* buf, ssize_t* length, unsigned ms);
  static int on_read(void* ctx, char* buf, ssize_t* length, unsigned ms);
  static int on_header_size(void* ctx, int* size);
  static int on_handshake_complete(void* ctx);
  static int on_get_fd(void* ctx, int* fd);

  SslCtxPtr tls_;
  ei_socket_callbacks callbacks_{};
  std::unique_ptr<DistGate> gate_;
  mutable std::mutex mu_;
  std::map<int, std::shared_ptr<DistSocket>> sockets_;
};

}  // namespace shoal::cluster
