#pragma once

#include "rtc/dtls/openssl_handles.hpp"

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace shoal::rtc::dtls {

// An OpenSSL BIO that keeps datagram boundaries, which plain memory BIOs lose: OpenSSL reads exactly the one
// datagram handed in, and each write (one DTLS datagram, records packed up to the MTU) is queued separately so
// the transport can pass them to its handler after OpenSSL returns (never re-entering OpenSSL from a callback).
class DatagramBio {
 public:
  // A BIO whose reads and writes go to `owner`; the caller hands it to SSL_set_bio. nullptr on failure.
  static BIO* create(DatagramBio& owner);

  // The datagram the next SSL call will read; it is read at most once and must outlive that call.
  void set_inbound(std::span<const std::uint8_t> datagram) { inbound_ = datagram; }
  void clear_inbound() { inbound_ = {}; }

  std::vector<std::vector<std::uint8_t>> take_outbound() { return std::exchange(outbound_, {}); }
  void drop_outbound() { outbound_.clear(); }

 private:
  static int write(BIO* bio, const char* data, int length);
  static int read(BIO* bio, char* data, int length);
  static long control(BIO* bio, int command, long number, void* pointer);
  static int create_instance(BIO* bio);
  static int destroy_instance(BIO* bio);
  static const BIO_METHOD* method();

  std::span<const std::uint8_t> inbound_;
  std::vector<std::vector<std::uint8_t>> outbound_;
};

}  // namespace shoal::rtc::dtls
