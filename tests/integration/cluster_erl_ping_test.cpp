// A real Erlang node (erl) talks to a shoal DistNode running in this test process: net_adm:ping
// answers pong with the right cookie and pang with a wrong one, and Erlang processes can message
// shoal and use its call envelope. Skipped when Erlang/OTP (`erl`) is not installed.
#include "cluster/dist_node.hpp"
#include "cluster/term.hpp"

#include "command_output.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;

constexpr const char* kErl = "/usr/bin/erl";

std::string unique_prefix() {
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "shoal_t%x_%d", rd() & 0xffffff, static_cast<int>(::getpid()));
  return buf;
}

using shoal::test::command_output;

// `timeout 20 erl -noshell -name <name> -setcookie <cookie> -eval '<code>'`; `code` must not
// contain single quotes (write '"'"' for each).
std::string erl(const std::string& name, const std::string& cookie, const std::string& code) {
  return command_output("timeout 20 " + std::string(kErl) + " -noshell -name " + name + " -setcookie " + cookie +
             " -eval '" + code + "' 2>&1");
}

std::string quoted_atom(const std::string& atom) { return "'\"'\"'" + atom + "'\"'\"'"; }

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

config::DistConfig dist_config(const std::string& node, const std::string& cookie) {
  config::DistConfig c;
  c.enabled = true;
  c.node_name = node;
  c.cookie = cookie;
  return c;
}

class ClusterErl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kErl, X_OK) != 0) GTEST_SKIP() << kErl << " is not installed";
    prefix_ = unique_prefix();
    cookie_ = "cookie_" + prefix_;
    node_name_ = prefix_ + "_shoal1@127.0.0.1";
    node_ = std::make_unique<DistNode>(dist_config(node_name_, cookie_));
    node_->on_membership([this](const std::string& node, bool up) {
      std::lock_guard lock(mu_);
      events_.emplace_back(node, up);
    });
    node_->on_message([this](const std::string& from, const std::string& to, std::vector<char> term) {
      std::lock_guard lock(mu_);
      messages_.emplace_back(from, to, std::move(term));
    });
    node_->on_call([](const std::string& from, const char* term, std::size_t size) {
      auto request = decode_binary(std::vector<char>(term, term + size));
      return encode_binary("pong to " + from + " for " + request.value_or("?"));
    });
    auto status = node_->start();
    ASSERT_TRUE(status.has_value()) << status.error();
  }
  void TearDown() override {
    if (!node_) return;
    auto t0 = std::chrono::steady_clock::now();
    node_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  }

  std::string prefix_;
  std::string cookie_;
  std::string node_name_;
  std::unique_ptr<DistNode> node_;
  std::mutex mu_;
  std::vector<std::pair<std::string, bool>> events_;
  std::vector<std::tuple<std::string, std::string, std::vector<char>>> messages_;
};

TEST_F(ClusterErl, PingWithTheSameCookieIsPong) {
  auto erl_node = prefix_ + "_t@127.0.0.1";
  auto out = erl(erl_node, cookie_,
                 "io:format(\"~p~n\",[net_adm:ping(" + quoted_atom(node_name_) + ")]), halt().");
  EXPECT_NE(out.find("pong"), std::string::npos) << out;
  EXPECT_EQ(out.find("pang"), std::string::npos) << out;
  // The Erlang node's connection was seen coming and going.
  EXPECT_TRUE(wait_until([&] {
    std::lock_guard lock(mu_);
    return std::count(events_.begin(), events_.end(), std::make_pair(erl_node, true)) == 1 &&
           std::count(events_.begin(), events_.end(), std::make_pair(erl_node, false)) == 1;
  }, 3s));
}

TEST_F(ClusterErl, PingWithAWrongCookieIsPang) {
  auto out = erl(prefix_ + "_w@127.0.0.1", "not_" + cookie_,
                 "io:format(\"~p~n\",[net_adm:ping(" + quoted_atom(node_name_) + ")]), halt().");
  EXPECT_NE(out.find("pang"), std::string::npos) << out;
  EXPECT_EQ(out.find("pong"), std::string::npos) << out;
  EXPECT_TRUE(node_->connected_nodes().empty());
}

TEST_F(ClusterErl, ErlangProcessesMessageAndCallShoal) {
  auto erl_node = prefix_ + "_m@127.0.0.1";
  // A registered `shoal` process on the Erlang side receives the {shoal_reply, Ref, Response}.
  auto code = "N = " + quoted_atom(node_name_) +
              ", register(shoal, self()), {inbox, N} ! {hello, node()}, "
              "{shoal, N} ! {shoal_call, 7, node(), <<\"ping\">>}, "
              "receive {shoal_reply, 7, R} -> io:format(\"~s~n\", [R]) after 5000 -> io:format(\"no reply~n\") end, "
              "halt().";
  auto out = erl(erl_node, cookie_, code);
  EXPECT_NE(out.find("pong to " + erl_node + " for ping"), std::string::npos) << out;
  std::lock_guard lock(mu_);
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(std::get<0>(messages_[0]), erl_node);
  EXPECT_EQ(std::get<1>(messages_[0]), "inbox");
  // {hello, Node} as Erlang encodes it.
  TermWriter expected;
  expected.tuple(2).atom("hello").atom(erl_node);
  EXPECT_EQ(std::get<2>(messages_[0]), expected.bytes());
}

}  // namespace
}  // namespace shoal::cluster
