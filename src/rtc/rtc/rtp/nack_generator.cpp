#include "rtc/rtp/nack_generator.hpp"

#include <algorithm>

namespace shoal::rtc::rtp {

void NackGenerator::reset() {
  unwrapper_.reset();
  started_ = false;
  highest_ = 0;
  count_ = 0;
  keyframe_request_ = false;
}

void NackGenerator::remove_at(std::size_t index) {
  std::move(entries_.begin() + static_cast<std::ptrdiff_t>(index + 1),
            entries_.begin() + static_cast<std::ptrdiff_t>(count_),
            entries_.begin() + static_cast<std::ptrdiff_t>(index));
  --count_;
}

void NackGenerator::add_missing(std::int64_t seq, core::Time now) {
  if (count_ == kCapacity) {
    // Newer losses are more useful to repair than ones that are about to expire.
    remove_at(0);
    keyframe_request_ = true;
  }
  entries_[count_++] = Entry{seq, now, core::Time{}, 0};
}

void NackGenerator::on_packet(std::uint16_t seq, core::Time now) {
  const std::int64_t ext = unwrapper_.unwrap(seq);
  if (!started_) {
    started_ = true;
    highest_ = ext;
    return;
  }
  if (ext <= highest_) {
    auto begin = entries_.begin();
    auto end = begin + static_cast<std::ptrdiff_t>(count_);
    auto it = std::lower_bound(begin, end, ext, [](const Entry& e, std::int64_t s) { return e.seq < s; });
    if (it != end && it->seq == ext) remove_at(static_cast<std::size_t>(it - begin));
    return;
  }
  const std::int64_t gap = ext - highest_ - 1;
  if (gap > static_cast<std::int64_t>(kCapacity)) {
    // Too much is gone for retransmission to be worth it; start over from here.
    count_ = 0;
    keyframe_request_ = true;
  } else {
    for (std::int64_t s = highest_ + 1; s < ext; ++s) add_missing(s, now);
  }
  highest_ = ext;
}

std::size_t NackGenerator::collect(core::Time now, std::span<std::uint16_t> out) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const Entry& e = entries_[i];
    const bool expired = e.retries >= config_.max_retries || now - e.missing_since > config_.max_age;
    if (!expired) entries_[kept++] = e;
  }
  count_ = kept;

  std::size_t written = 0;
  for (std::size_t i = 0; i < count_ && written < out.size(); ++i) {
    Entry& e = entries_[i];
    const bool due = e.retries == 0 ? now - e.missing_since >= config_.first_request_delay
                                    : now - e.last_sent >= config_.retry_interval;
    if (!due) continue;
    out[written++] = static_cast<std::uint16_t>(e.seq);
    ++e.retries;
    e.last_sent = now;
  }
  return written;
}

bool NackGenerator::take_keyframe_request() {
  const bool requested = keyframe_request_;
  keyframe_request_ = false;
  return requested;
}

}  // namespace shoal::rtc::rtp
