#include "cluster/dist_tls.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

namespace shoal::cluster {

std::string take_ssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown TLS error" : text;
}

core::Result<SslCtxPtr, std::string> load_dist_tls_context(const DistTlsFiles& files) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) return "cannot create a TLS context: " + take_ssl_errors();
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Erlang nodes may close without close_notify; that is an end of stream, not an attack on it.
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  // Writes are retried from a moved pointer only after a partial frame, never with new data.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert_file.c_str()) != 1) {
    return "cannot use the distribution certificate " + files.cert_file + ": " + take_ssl_errors();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return "the distribution private key " + files.key_file + " does not match the certificate " +
             files.cert_file;
    }
    return "cannot use the distribution private key " + files.key_file + ": " + take_ssl_errors();
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return "the distribution private key " + files.key_file + " does not match the certificate " +
           files.cert_file;
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), files.ca_file.c_str(), nullptr) != 1) {
    return "cannot read the distribution CA file " + files.ca_file + ": " + take_ssl_errors();
  }
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca_file.c_str())) {
    SSL_CTX_set_client_CA_list(ctx.get(), names);
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  ERR_clear_error();
  return ctx;
}

}  // namespace shoal::cluster
