#pragma once
// What this node knows of the other nodes' load, as they pushed it (load_publisher.hpp), so a
// room create decides from a table instead of asking every node and waiting on the slowest.
// An entry older than the freshness bound is stale: placement asks that node instead, as before.
// A node that failed to answer a call is skipped (neither chosen nor asked) until it reports
// again or the freshness bound passes, so a hung node costs one create a call timeout, not each.
//
// Thread-safe: the distribution reader threads update it, REST handlers read it.
#include "cluster/cluster_messages.hpp"
#include "core/time.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cluster {

class LoadTable {
 public:

  explicit LoadTable(std::chrono::milliseconds freshness) : freshness_(freshness) {}

  // A node's pushed load (usage.node names it).
  void update(const NodeUsage& usage, core::Time now);
  // A room was just created on `node`, which now holds `rooms` (the count placement decided on,
  // plus one): counted there at once, so creates in quick succession spread instead of all going
  // to the node that was least loaded a moment ago. For a short hold the count does not drop
  // below that: a report the node sampled just before the create can arrive after its reply.
  // Also for a node placement had to ask because it had no fresh report: its first report may be
  // such a late one.
  void placed(const std::string& node, std::uint64_t rooms, core::Time now);
  // `node` did not answer a create or usage call in time.
  void failed(const std::string& node, core::Time now);

  struct View {
    std::vector<NodeUsage> fresh;     // known load, in the order of `nodes`
    std::vector<std::string> stale;   // no report, or none within the freshness bound
    std::vector<std::string> skipped;  // failed a call since their last report, recently
  };
  // Whether `node` wants this node's server notifications: it has a subscribed server socket, or
  // its fresh report is missing (a node of an older version, or one that just connected).
  bool wants_events(const std::string& node, core::Time now) const;

  // The load of `nodes` (the connected ones), split by whether the table can answer for them.
  View view(const std::vector<std::string>& nodes, core::Time now) const;

  // What each of `nodes` last reported, however old (for operators: GET /cluster).
  struct Report {
    std::string node;
    std::optional<NodeUsage> usage;  // none received yet
    std::chrono::milliseconds age{};  // since it was received
    bool fresh = false;               // within the freshness bound, and no failed call since
  };
  std::vector<Report> reports(const std::vector<std::string>& nodes, core::Time now) const;

 private:
  struct Entry {
    std::optional<NodeUsage> usage;
    core::Time received{};
    std::optional<core::Time> failed;
    std::uint64_t placed_rooms = 0;  // the count after our last placement there...
    core::Time placed_until{};  // ...held until then
  };

  // A report placement may use: within the freshness bound, and no failed call since.
  bool fresh(const Entry& entry, core::Time now) const;
  bool failed_recently(const Entry& entry, core::Time now) const;

  std::chrono::milliseconds freshness_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace shoal::cluster
