#pragma once
// TLS for the Erlang distribution, as OTP's inet_tls_dist speaks it: the TCP connection to the
// distribution port is TLS from its first byte, the handshake and every message then run inside
// it unchanged. Both sides present a certificate and verify the other's against the cluster's CA;
// a connecting node also checks that the certificate names the host of the node it dials, as an
// Erlang node does (it sends the host as server_name_indication).
#include "config/config.hpp"
#include "core/result.hpp"

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace shoal::cluster {

// PEM files: this node's certificate (chain), its private key, the CA(s) that sign the
// cluster's certificates.
using DistTlsFiles = config::DistTlsFiles;

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// One context serves both roles. The error names the file and OpenSSL's reason when a file
// cannot be read, the key does not match the certificate, or the CA file holds no certificate.
core::Result<SslCtxPtr, std::string> load_dist_tls_context(const DistTlsFiles& files);

// OpenSSL's queued errors as one line (and clears the queue).
std::string take_ssl_errors();

}  // namespace shoal::cluster
