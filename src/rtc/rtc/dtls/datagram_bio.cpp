#include "rtc/dtls/datagram_bio.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

namespace shoal::rtc::dtls {

const BIO_METHOD* DatagramBio::method() {
  static std::once_flag once;
  static BIO_METHOD* shared = nullptr;  // process lifetime: every transport uses it
  std::call_once(once, [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "shoal-dtls-datagram");
    if (!m) return;
    if (BIO_meth_set_write(m, &DatagramBio::write) != 1 || BIO_meth_set_read(m, &DatagramBio::read) != 1 ||
        BIO_meth_set_ctrl(m, &DatagramBio::control) != 1 ||
        BIO_meth_set_create(m, &DatagramBio::create_instance) != 1 ||
        BIO_meth_set_destroy(m, &DatagramBio::destroy_instance) != 1) {
      BIO_meth_free(m);
      return;
    }
    shared = m;
  });
  return shared;
}

BIO* DatagramBio::create(DatagramBio& owner) {
  const BIO_METHOD* m = method();
  if (!m) return nullptr;
  BIO* bio = BIO_new(m);
  if (!bio) return nullptr;
  BIO_set_data(bio, &owner);
  return bio;
}

int DatagramBio::create_instance(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int DatagramBio::destroy_instance(BIO* bio) {
  BIO_set_data(bio, nullptr);
  BIO_set_init(bio, 0);
  return 1;
}

int DatagramBio::write(BIO* bio, const char* data, int length) {
  auto* self = static_cast<DatagramBio*>(BIO_get_data(bio));
  if (!self || length < 0) return -1;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  self->outbound_.emplace_back(bytes, bytes + length);
  return length;
}

int DatagramBio::read(BIO* bio, char* data, int length) {
  auto* self = static_cast<DatagramBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!self || self->inbound_.empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  // A datagram larger than OpenSSL's buffer is truncated, as a UDP socket would do.
  std::size_t n = std::min(self->inbound_.size(), static_cast<std::size_t>(std::max(length, 0)));
  std::copy_n(self->inbound_.begin(), n, reinterpret_cast<std::uint8_t*>(data));
  self->inbound_ = {};
  return static_cast<int>(n);
}

long DatagramBio::control(BIO* bio, int command, long, void*) {
  auto* self = static_cast<DatagramBio*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return self ? static_cast<long>(self->inbound_.size()) : 0;
    case BIO_CTRL_WPENDING:
      return 0;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return 0;  // the MTU we set is already the DTLS payload budget
    default:
      return 0;  // MTU queries, peer addresses, timeouts: none apply to a memory transport
  }
}

}  // namespace shoal::rtc::dtls
