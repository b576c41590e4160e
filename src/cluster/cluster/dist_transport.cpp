#include "cluster/dist_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace shoal::cluster {

namespace {

thread_local std::optional<DistGate::Ready> t_handed_to_accept;
thread_local std::string t_dialing_host;
thread_local std::string t_dial_tls_failure;

DistTransport::Entry* entry_of(void* ctx) { return static_cast<DistTransport::Entry*>(ctx); }

}  // namespace

core::Result<std::unique_ptr<DistTransport>, std::string> DistTransport::create(
    const std::optional<DistTlsFiles>& tls) {
  std::unique_ptr<DistTransport> transport(new DistTransport());
  if (tls) {
    auto context = load_dist_tls_context(*tls);
    if (!context) return context.error();
    transport->tls_ = *std::move(context);
  }
  auto& cb = transport->callbacks_;
  cb.flags = EI_SCLBK_FLG_FULL_IMPL;
  cb.socket = on_socket;
  cb.close = on_close;
  cb.listen = on_listen;
  cb.EI_ACCEPT_NAME = on_accept;
  cb.connect = on_connect;
  cb.writev = on_writev;
  cb.write = on_write;
  cb.read = on_read;
  cb.handshake_packet_header_size = on_header_size;
  cb.connect_handshake_complete = on_handshake_complete;
  cb.accept_handshake_complete = on_handshake_complete;
  cb.get_fd = on_get_fd;
  return transport;
}

DistTransport::~DistTransport() { stop_gate(); }

core::Result<void, std::string> DistTransport::start_gate(int listen_fd, DistGateLimits limits) {
  gate_ = std::make_unique<DistGate>(listen_fd, tls_.get(), limits);
  auto started = gate_->start();
  if (!started) gate_.reset();
  return started;
}

void DistTransport::stop_gate() {
  if (gate_) gate_->stop();
}

std::shared_ptr<DistSocket> DistTransport::find(int fd) const {
  std::lock_guard lock(mu_);
  auto it = sockets_.find(fd);
  return it == sockets_.end() ? nullptr : it->second;
}

void DistTransport::hand_to_accept(DistGate::Ready ready) { t_handed_to_accept = std::move(ready); }

DistTransport::Dialing::Dialing(std::string host) {
  t_dialing_host = std::move(host);
  t_dial_tls_failure.clear();
}
DistTransport::Dialing::~Dialing() { t_dialing_host.clear(); }
const std::string& DistTransport::Dialing::tls_failure() const { return t_dial_tls_failure; }

DistTransport::Entry* DistTransport::add(std::shared_ptr<DistSocket> socket) {
  std::lock_guard lock(mu_);
  sockets_[socket->fd()] = socket;
  return new Entry{this, std::move(socket)};
}

void DistTransport::remove(Entry* entry) {
  {
    std::lock_guard lock(entry->transport->mu_);
    auto& sockets = entry->transport->sockets_;
    if (auto it = sockets.find(entry->socket->fd()); it != sockets.end() && it->second == entry->socket) {
      sockets.erase(it);
    }
  }
  delete entry;  // the descriptor closes when the last user lets go of the socket
}

int DistTransport::on_socket(void** ctx, void* setup_context) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  auto* transport = static_cast<DistTransport*>(setup_context);
  *ctx = transport->add(std::make_shared<DistSocket>(fd, nullptr));
  return 0;
}

int DistTransport::on_close(void* ctx) {
  remove(entry_of(ctx));
  return 0;
}

int DistTransport::on_listen(void* ctx, void* address, int* length, int backlog) {
  int fd = entry_of(ctx)->socket->fd();
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  auto size = static_cast<socklen_t>(*length);
  if (::bind(fd, static_cast<sockaddr*>(address), size) != 0) return errno;
  if (::getsockname(fd, static_cast<sockaddr*>(address), &size) != 0) return errno;
  *length = static_cast<int>(size);
  if (::listen(fd, backlog) != 0) return errno;
  return 0;
}

int DistTransport::on_accept(void** ctx, void* address, int* length, unsigned) {
  if (!t_handed_to_accept) return EAGAIN;
  DistGate::Ready ready = std::move(*t_handed_to_accept);
  t_handed_to_accept.reset();
  if (*length < static_cast<int>(sizeof ready.peer)) return EINVAL;
  std::memcpy(address, &ready.peer, sizeof ready.peer);
  *length = sizeof ready.peer;
  *ctx = entry_of(*ctx)->transport->add(std::move(ready.socket));
  return 0;
}

int DistTransport::on_connect(void* ctx, void* address, int length, unsigned ms) {
  Entry* entry = entry_of(ctx);
  DistSocket& socket = *entry->socket;
  auto deadline = deadline_after_ms(ms);
  if (::connect(socket.fd(), static_cast<sockaddr*>(address), static_cast<socklen_t>(length)) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) return errno;
    if (int error = wait_for_socket(socket.fd(), POLLOUT, deadline)) return error;
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
    if (error != 0) return error;
  }
  SSL_CTX* tls = entry->transport->tls_.get();
  if (tls == nullptr) return 0;
  SSL* ssl = SSL_new(tls);
  if (ssl == nullptr) return ENOMEM;
  socket.attach_tls(ssl);
  if (SSL_set_fd(ssl, socket.fd()) != 1) return ENOMEM;
  SSL_set_connect_state(ssl);
  const std::string& host = t_dialing_host;
  if (!host.empty()) {
    in_addr ip{};
    if (::inet_pton(AF_INET, host.c_str(), &ip) == 1) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, host.c_str());
      SSL_set1_host(ssl, host.c_str());
    }
  }
  int error = socket.client_handshake(deadline);
  if (error != 0 && error != ETIMEDOUT) t_dial_tls_failure = socket.failure();
  return error;
}

int DistTransport::on_writev(void* ctx, const void* iov, int iovcnt, ssize_t* length, unsigned ms) {
  // One buffer, so a frame leaves as one TLS record (or one TCP write) rather than one per part.
  const auto* parts = static_cast<const iovec*>(iov);
  std::string buffer;
  std::size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += parts[i].iov_len;
  buffer.reserve(total);
  for (int i = 0; i < iovcnt; ++i) buffer.append(static_cast<const char*>(parts[i].iov_base), parts[i].iov_len);
  int error = entry_of(ctx)->socket->write_all(buffer.data(), buffer.size(), deadline_after_ms(ms));
  *length = error == 0 ? static_cast<ssize_t>(total) : 0;
  return error;
}

int DistTransport::on_write(void* ctx, const char* buf, ssize_t* length, unsigned ms) {
  int error = entry_of(ctx)->socket->write_all(buf, static_cast<std::size_t>(*length), deadline_after_ms(ms));
  if (error != 0) *length = 0;
  return error;
}

int DistTransport::on_read(void* ctx, char* buf, ssize_t* length, unsigned ms) {
  std::size_t got = 0;
  int error = entry_of(ctx)->socket->read_some(buf, static_cast<std::size_t>(*length), got, deadline_after_ms(ms));
  *length = static_cast<ssize_t>(got);
  return error;
}

int DistTransport::on_header_size(void* ctx, int* size) {
  *size = handshake_header_size(entry_of(ctx)->socket->tls());
  return 0;
}

int DistTransport::on_handshake_complete(void* ctx) {
  int fd = entry_of(ctx)->socket->fd();
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  return 0;
}

int DistTransport::on_get_fd(void* ctx, int* fd) {
  *fd = entry_of(ctx)->socket->fd();
  return 0;
}

}  // namespace shoal::cluster
