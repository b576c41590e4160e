#include "rtc/dtls/dtls_record.hpp"

namespace shoal::rtc::dtls {
namespace {

constexpr std::size_t kHandshakeHeaderLength = 12;

bool known_content_type(std::uint8_t type) { return (type >= 20 && type <= 23) || type == 25; }

bool known_version(std::uint16_t version) { return version == 0xFEFF || version == 0xFEFD; }

}  // namespace

std::optional<DtlsRecord> DtlsRecord::parse(std::span<const std::uint8_t> data) {
  if (data.size() < kHeaderLength) return std::nullopt;
  if (!known_content_type(data[0])) return std::nullopt;
  DtlsRecord record;
  record.content_type = static_cast<ContentType>(data[0]);
  record.version = static_cast<std::uint16_t>((data[1] << 8) | data[2]);
  if (!known_version(record.version)) return std::nullopt;
  record.epoch = static_cast<std::uint16_t>((data[3] << 8) | data[4]);
  std::uint64_t sequence = 0;
  for (std::size_t i = 5; i < 11; ++i) sequence = (sequence << 8) | data[i];
  record.sequence_number = sequence;
  std::size_t length = (static_cast<std::size_t>(data[11]) << 8) | data[12];
  if (length > data.size() - kHeaderLength) return std::nullopt;
  record.fragment = data.subspan(kHeaderLength, length);
  record.wire = data.first(kHeaderLength + length);
  return record;
}

std::optional<std::size_t> DtlsRecord::count_records(std::span<const std::uint8_t> datagram,
                                                      bool (*accept)(const DtlsRecord&)) {
  std::size_t count = 0;
  while (!datagram.empty()) {
    auto record = parse(datagram);
    if (!record || (accept != nullptr && !accept(*record))) return std::nullopt;
    datagram = datagram.subspan(record->wire.size());
    ++count;
  }
  if (count == 0) return std::nullopt;
  return count;
}

std::optional<std::uint8_t> DtlsRecord::plaintext_handshake_type() const {
  if (content_type != ContentType::Handshake || epoch != 0 || fragment.size() < kHandshakeHeaderLength) {
    return std::nullopt;
  }
  return fragment[0];
}

}  // namespace shoal::rtc::dtls
