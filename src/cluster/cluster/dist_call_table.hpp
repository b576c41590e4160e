#pragma once
// The call() requests of a DistNode waiting for their answers: each gets a reference, is answered
// only by the node it was sent to, and fails at once (nullopt) when that node's connection ends
// or the node stops, rather than running into its timeout.
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cluster {

class CallTable {
 public:
  using Ref = unsigned long long;

  // Registers a call to `node` and returns its reference (never 0, never reused).
  Ref open(const std::string& node);
  // Waits up to `timeout` for the call's outcome and removes it: the response, or nullopt when
  // it failed, was answered with noreply or timed out. A zero timeout only collects an outcome
  // already there.
  std::optional<std::vector<char>> wait(Ref ref, std::chrono::milliseconds timeout);

  // An answer from `node`: completes the call only if it was sent to that node (a peer cannot
  // answer another's calls). `result` nullopt for noreply. False when no such call waits.
  bool complete(Ref ref, const std::string& node, std::optional<std::vector<char>> result);
  // The connection to `node` ended: its calls get no answer.
  void fail_node(const std::string& node);
  // Stopping: no call gets an answer.
  void fail_all();

 private:
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::optional<std::vector<char>> result;
    std::string node;
  };

  void fail(const std::string* node);

  std::mutex mu_;
  std::map<Ref, std::shared_ptr<Pending>> pending_;
  Ref next_ref_ = 1;
};

}  // namespace shoal::cluster
