// docs/grafana/shoal.json against a running node: the dashboard is valid, every panel has a
// datasource and a query, every metric any query names is exported by a node, and rate-like
// functions are only applied to counters.
#include "cluster_harness.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace shoal::test {
namespace {

const std::string kDashboard = std::string(SHOAL_SOURCE_DIR) + "/docs/grafana/shoal.json";

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }

// PromQL words that are not metric names when not followed by '(' (aggregations written as
// `sum by (x) (...)`, binary operators, modifiers, literals).
const std::set<std::string, std::less<>> kPromqlWords = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile", "limitk", "limit_ratio", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "start", "end"};
// Followed by a parenthesised list of label names, which are not metrics.
const std::set<std::string, std::less<>> kLabelListWords = {"by", "without", "on", "ignoring", "group_left",
                                                            "group_right"};

// Blanks string literals and the insides of {...} (label matchers) and [...] (ranges, which may
// hold Grafana variables such as $__rate_interval), keeping the brackets themselves.
std::string blank_matchers_and_strings(std::string_view expr) {
  std::string text(expr);
  char quote = 0;
  int braces = 0, brackets = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char& c = text[i];
    if (quote) {
      if (c == '\\' && quote != '`' && i + 1 < text.size()) {
        c = ' ';
        text[++i] = ' ';
        continue;
      }
      if (c == quote) quote = 0;
      c = ' ';
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = c;
      c = ' ';
    } else if (c == '{') {
      ++braces;
    } else if (c == '}') {
      --braces;
    } else if (c == '[') {
      ++brackets;
    } else if (c == ']') {
      --brackets;
    } else if (braces > 0 || brackets > 0) {
      c = ' ';
    }
  }
  return text;
}

// The metric names a PromQL expression reads: identifiers that are not followed by '(' (functions
// and aggregations), not PromQL words, not label names of by/without/on/ignoring lists, not
// Grafana variables and not the tail of a number or duration.
std::set<std::string> metric_names(std::string_view expr) {
  const std::string text = blank_matchers_and_strings(expr);
  std::set<std::string> names;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool starts =
        is_name_start(text[i]) && (i == 0 || (!is_name_char(text[i - 1]) && text[i - 1] != '$' && text[i - 1] != '.'));
    if (!starts) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_name_char(text[end])) ++end;
    const std::string word = text.substr(i, end - i);
    std::size_t next = end;
    while (next < text.size() && std::isspace(static_cast<unsigned char>(text[next]))) ++next;
    const char after = next < text.size() ? text[next] : '\0';
    if (kLabelListWords.count(word) && after == '(') {
      next = text.find(')', next);  // skip the label names
      i = next == std::string::npos ? text.size() : next + 1;
      continue;
    }
    if (after != '(' && !kPromqlWords.count(word)) names.insert(word);
    i = end;
  }
  return names;
}

// rate(x...), irate(x...), increase(x...): the metric each is applied to.
std::set<std::string> rated_metrics(std::string_view expr) {
  const std::string text = blank_matchers_and_strings(expr);
  static const std::regex rated(R"(\b(?:rate|irate|increase)\s*\(\s*([A-Za-z_:][A-Za-z0-9_:]*))");
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), rated), end; it != end; ++it) names.insert((*it)[1]);
  return names;
}

TEST(GrafanaDashboard, MetricNamesComeOutOfPromqlAndNothingElse) {
  EXPECT_EQ(
      metric_names(
          R"(sum by (instance, reason) (rate(shoal_refused_total{instance=~"$instance"}[$__rate_interval])) > 0)"),
      (std::set<std::string>{"shoal_refused_total"}));
  EXPECT_EQ(metric_names(R"(topk(10, jellyfish_room_peers{room_id!="a b"}) / on(instance) group_left jellyfish_rooms)"),
            (std::set<std::string>{"jellyfish_room_peers", "jellyfish_rooms"}));
  EXPECT_EQ(metric_names("sum(rate(a_total[5m] offset 1h)) without (job) * 8e3 + b"),
            (std::set<std::string>{"a_total", "b"}));
  EXPECT_EQ(metric_names("histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m])))"),
            (std::set<std::string>{"x_seconds_bucket"}));
  EXPECT_EQ(metric_names("count (up == bool 1) and on () vector(1)"), (std::set<std::string>{"up"}));
  EXPECT_EQ(rated_metrics("sum(rate(a_total{x=\"rate(no)\"}[1m])) + increase( b_total[1h]) + c"),
            (std::set<std::string>{"a_total", "b_total"}));
}

// What a node exports: the name of every sample, and the type of every family.
struct Exposition {
  std::set<std::string> samples;
  std::map<std::string, std::string> types;

  explicit Exposition(const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream words(line.substr(7));
        std::string name, type;
        words >> name >> type;
        types[name] = type;
      } else if (!line.empty() && line[0] != '#') {
        samples.insert(line.substr(0, line.find_first_of("{ ")));
      }
    }
  }

  // A sample name's family type; a histogram's or summary's _bucket/_sum/_count are its own.
  std::string type_of(const std::string& name) const {
    if (auto it = types.find(name); it != types.end()) return it->second;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        auto it = types.find(name.substr(0, name.size() - suffix.size()));
        if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return it->second;
      }
    }
    return "";
  }
};

json load_dashboard() {
  std::ifstream in(kDashboard);
  if (!in) throw std::runtime_error("cannot read " + kDashboard);
  return json::parse(in);  // throws on invalid JSON, failing the test with the parser's message
}

TEST(GrafanaDashboard, EveryPanelHasADatasourceAndAQuery) {
  const json dashboard = load_dashboard();
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_FALSE(dashboard.value("title", "").empty());
  EXPECT_FALSE(dashboard.value("uid", "").empty());
  std::set<std::string> variables;
  for (const auto& variable : dashboard.at("templating").at("list")) variables.insert(variable.at("name"));
  EXPECT_TRUE(variables.count("datasource")) << "a Prometheus datasource variable";
  EXPECT_TRUE(variables.count("instance")) << "a node variable";

  std::size_t panels = 0;
  std::set<int> ids;
  for (const auto& panel : dashboard.at("panels")) {
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id " << panel.at("id");
    if (panel.at("type") == "row") continue;
    ++panels;
    const std::string title = panel.value("title", "");
    EXPECT_FALSE(title.empty());
    ASSERT_TRUE(panel.contains("datasource")) << title;
    EXPECT_EQ(panel["datasource"].value("uid", ""), "${datasource}") << title;
    ASSERT_TRUE(panel.contains("targets") && panel["targets"].is_array() && !panel["targets"].empty()) << title;
    for (const auto& target : panel["targets"]) {
      EXPECT_FALSE(target.value("expr", "").empty()) << title;
      EXPECT_FALSE(target.value("refId", "").empty()) << title;
    }
  }
  EXPECT_GE(panels, 10u);
}

TEST(GrafanaDashboard, EveryMetricItQueriesIsExportedByANode) {
  const json dashboard = load_dashboard();
  std::set<std::string> queried, rated;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.value("targets", json::array())) {
      const std::string expr = target.value("expr", "");
      for (const auto& name : metric_names(expr)) queried.insert(name);
      for (const auto& name : rated_metrics(expr)) rated.insert(name);
    }
  }
  static const std::regex label_values(R"(label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,)");
  for (const auto& variable : dashboard.at("templating").at("list")) {
    const std::string definition = variable.value("definition", "");
    std::smatch match;
    if (std::regex_search(definition, match, label_values)) queried.insert(match[1]);
  }
  ASSERT_GE(queried.size(), 8u);

  // A node in cluster mode (for the placement counter) with a room and a peer, so that the
  // series labelled per room and per placement exist; they appear at the next aggregation.
  const auto port = free_port();
  ShoalProcess shoal(cluster_env(unique_node_name("grafana"), "", port));
  const auto room_id = create_room(shoal.port());
  create_peer(shoal.port(), room_id);
  const std::string peers_series = "jellyfish_room_peers{room_id=\"" + room_id + "\"} 1";
  std::string scraped;
  const auto deadline = std::chrono::steady_clock::now() + load_budget(std::chrono::seconds(25));
  while (std::chrono::steady_clock::now() < deadline) {
    auto reply = http_request(shoal.metrics_port(), "GET", "/metrics");
    scraped = reply.body;
    if (reply.status == 200 && scraped.find(peers_series) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_NE(scraped.find(peers_series), std::string::npos) << scraped;
  const Exposition exported(scraped);

  std::string missing;
  for (const auto& name : queried) {
    if (!exported.samples.count(name)) missing += " " + name;
  }
  EXPECT_TRUE(missing.empty()) << "the dashboard queries metrics the node does not export:" << missing << "\n"
                               << scraped;
  for (const auto& name : rated) {
    const auto type = exported.type_of(name);
    EXPECT_TRUE(type == "counter" || type == "histogram" || type == "summary")
        << "rate()/increase() of " << name << ", a " << (type.empty() ? "metric of unknown type" : type);
  }
}

}  // namespace
}  // namespace shoal::test
