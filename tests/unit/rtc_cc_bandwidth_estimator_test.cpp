// The send-side estimator against a simulated bottleneck: a sender that always sends at the
// current estimate (as probing does), a FIFO link of given capacity with a bounded queue, and
// the server's own transport-cc feedback generator as the receiver, so every report crosses
// the real wire format.
#include "rtc/cc/send_side_bandwidth_estimator.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/transport_cc_feedback_generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <random>
#include <vector>

namespace shoal::rtc::cc {
namespace {

constexpr std::uint32_t kPacketBytes = 1200;
constexpr std::int64_t kPropagationUs = 20'000;
constexpr std::int64_t kMaxQueueUs = 300'000;

class BottleneckSimulation {
 public:
  explicit BottleneckSimulation(double capacity_bps, double random_loss = 0) : capacity_bps_(capacity_bps), loss_(random_loss) {}

  void set_capacity(double bps) { capacity_bps_ = bps; }

  // Runs `seconds`, calling `sample` with the estimate once per 100 ms.
  void run(double seconds, const std::function<void(double)>& sample = {}) {
    const std::int64_t end = now_us_ + static_cast<std::int64_t>(seconds * 1e6);
    for (; now_us_ < end; now_us_ += 1000) {
      send_for_one_ms();
      deliver_arrivals();
      if (receiver_.due(core::at_us(now_us_))) feedback();
      if (sample && now_us_ % 100'000 == 0) sample(estimator_.estimate_bps());
    }
  }

  SendSideBandwidthEstimator& estimator() { return estimator_; }

 private:
  void send_for_one_ms() {
    credit_bytes_ += estimator_.estimate_bps() / 8.0 / 1000.0;
    while (credit_bytes_ >= kPacketBytes) {
      credit_bytes_ -= kPacketBytes;
      const auto sequence = static_cast<std::uint16_t>(next_sequence_++);
      estimator_.on_sent(sequence, kPacketBytes, core::at_us(now_us_));
      const auto transmission = static_cast<std::int64_t>(kPacketBytes * 8.0 / capacity_bps_ * 1e6);
      const std::int64_t departure = std::max(now_us_, link_busy_until_) + transmission;
      if (departure - now_us_ > kMaxQueueUs) continue;  // tail drop
      link_busy_until_ = departure;
      if (std::bernoulli_distribution(loss_)(random_)) continue;
      in_flight_.push_back({departure + kPropagationUs, sequence});
    }
  }

  void deliver_arrivals() {
    while (!in_flight_.empty() && in_flight_.front().arrival_us <= now_us_) {
      receiver_.on_packet(in_flight_.front().sequence, 0x1234, core::at_us(in_flight_.front().arrival_us));
      in_flight_.pop_front();
    }
  }

  void feedback() {
    while (receiver_.pending()) {
      std::array<std::uint8_t, 1200> buffer{};
      auto length = receiver_.write(buffer, 1, core::at_us(now_us_));
      if (!length) return;
      auto compound = rtcp::RtcpCompound::parse(std::span<const std::uint8_t>(buffer.data(), *length));
      ASSERT_TRUE(compound);
      auto cc = rtcp::TransportCc::parse(*compound->begin());
      ASSERT_TRUE(cc);
      estimator_.on_feedback(*cc, core::at_us(now_us_ + kPropagationUs));
    }
  }

  struct InFlight {
    std::int64_t arrival_us;
    std::uint16_t sequence;
  };
  double capacity_bps_;
  double loss_;
  std::mt19937 random_{7};
  std::int64_t now_us_ = 1'000'000;
  std::int64_t link_busy_until_ = 0;
  double credit_bytes_ = 0;
  std::uint32_t next_sequence_ = 0;
  std::deque<InFlight> in_flight_;
  rtcp::TransportCcFeedbackGenerator receiver_;
  SendSideBandwidthEstimator estimator_;
};

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

TEST(SendSideBandwidthEstimator, AClearPathIsNeverCalledCongestedAndTheEstimateGrows) {
  BottleneckSimulation simulation(50e6);
  simulation.run(10);
  EXPECT_TRUE(simulation.estimator().has_feedback());
  EXPECT_FALSE(simulation.estimator().congested());
  EXPECT_GT(simulation.estimator().estimate_bps(), 1.8 * SendSideBandwidthEstimator::kInitialBps);
}

TEST(SendSideBandwidthEstimator, SettlesNearTheBottleneck) {
  const double capacity = 600'000;
  BottleneckSimulation simulation(capacity);
  simulation.run(10);
  std::vector<double> samples;
  simulation.run(20, [&](double estimate) { samples.push_back(estimate); });
  EXPECT_TRUE(simulation.estimator().congested());
  EXPECT_GT(mean(samples), 0.6 * capacity);
  EXPECT_LT(mean(samples), 1.15 * capacity);
  EXPECT_LT(*std::max_element(samples.begin(), samples.end()), 1.6 * capacity);
}

TEST(SendSideBandwidthEstimator, FollowsACapacityDropWithinSeconds) {
  BottleneckSimulation simulation(3e6);
  simulation.run(15);
  const double before = simulation.estimator().estimate_bps();
  EXPECT_GT(before, 1.5e6);
  simulation.set_capacity(500'000);
  simulation.run(4);
  EXPECT_LT(simulation.estimator().estimate_bps(), 650'000);
  EXPECT_GT(simulation.estimator().estimate_bps(), 200'000);  // cut, but not collapsed
  EXPECT_TRUE(simulation.estimator().congested());
}

TEST(SendSideBandwidthEstimator, ClimbsBackWhenCapacityReturns) {
  BottleneckSimulation simulation(400'000);
  simulation.run(15);
  EXPECT_LT(simulation.estimator().estimate_bps(), 600'000);
  simulation.set_capacity(10e6);
  simulation.run(25);
  EXPECT_GT(simulation.estimator().estimate_bps(), 1.2e6);
}

TEST(SendSideBandwidthEstimator, HeavyRandomLossLowersTheEstimate) {
  BottleneckSimulation simulation(50e6, /*random_loss=*/0.25);
  simulation.run(8);
  // Each window above 10 % loss cuts by half the loss (about 12 % here), at most every 300 ms.
  EXPECT_GE(simulation.estimator().decreases(), 5u);
  EXPECT_LT(simulation.estimator().estimate_bps(), 0.7 * SendSideBandwidthEstimator::kInitialBps);
}

TEST(SendSideBandwidthEstimator, FeedbackAboutPacketsNeverSentIsIgnored) {
  SendSideBandwidthEstimator estimator;
  rtcp::TransportCcFeedbackGenerator receiver;
  for (int i = 0; i < 50; ++i) receiver.on_packet(static_cast<std::uint16_t>(1000 + i), 1, core::at_us(1'000'000 + i * 1000));
  std::array<std::uint8_t, 1200> buffer{};
  auto length = receiver.write(buffer, 1, core::at_us(2'000'000));
  ASSERT_TRUE(length);
  auto compound = rtcp::RtcpCompound::parse(std::span<const std::uint8_t>(buffer.data(), *length));
  ASSERT_TRUE(compound);
  auto cc = rtcp::TransportCc::parse(*compound->begin());
  ASSERT_TRUE(cc);
  estimator.on_feedback(*cc, core::at_us(2'000'000));
  EXPECT_FALSE(estimator.has_feedback());
  EXPECT_EQ(estimator.estimate_bps(), SendSideBandwidthEstimator::kInitialBps);
}

}  // namespace
}  // namespace shoal::rtc::cc
