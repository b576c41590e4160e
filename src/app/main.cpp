// shoal: a media server compatible with Jellyfish v0.2.1.
#include "application.hpp"
#include "config/config.hpp"
#include "log/json_formatter.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <iostream>
#include <memory>
#include <string_view>

namespace {

constexpr std::string_view kVersion = "0.1.0";

void log_startup(const shoal::config::Config& config) {
  spdlog::info("Starting shoal v{} (Jellyfish v0.2.1 compatible){}", kVersion,
               config.mode == shoal::config::Mode::Development ? " in development mode" : "");
  spdlog::info("Distribution config: [enabled: {}, node_name: {}, nodes: {}]", config.dist.enabled,
               config.dist.enabled ? config.dist.node_name : "nil", config.dist.nodes.size());
  spdlog::info("WebRTC config: [webrtc_used: {}]", config.webrtc.used);
}

// Every peer holds a socket; the default soft limit of 1024 descriptors would cap a node at
// about a thousand peers, so take what the hard limit allows.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto mode = shoal::config::Mode::Production;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << shoal::config::help_text();
      return 0;
    }
    if (arg == "--version") {
      std::cout << "shoal " << kVersion << "\n";
      return 0;
    }
    if (arg == "--dev") {
      mode = shoal::config::Mode::Development;
      continue;
    }
    std::cerr << "shoal: unknown argument " << arg << "\n" << shoal::config::help_text();
    return 2;
  }

  spdlog::set_pattern(mode == shoal::config::Mode::Development ? "[%l] %v" : "%H:%M:%S.%e [%l] %v");
  auto loaded = shoal::config::load_config(shoal::config::process_environment(), mode);
  // Before the first line: from here on every line a log pipeline reads is in the chosen format.
  // (A configuration error is printed as the plain text Jellyfish prints, as are the warnings
  // of a configuration that does not load: its log format is not known.)
  const bool json_log = loaded.config && loaded.config->log_format == shoal::config::LogFormat::Json;
  if (json_log) spdlog::set_formatter(std::make_unique<shoal::logging::JsonFormatter>());
  for (const auto& warning : loaded.warnings) spdlog::warn("{}", warning);
  if (!loaded.config) {
    std::cerr << loaded.error << "\n";
    return 1;
  }
  const auto& config = *loaded.config;
  log_startup(config);
  raise_descriptor_limit();

  {
    shoal::app::Application application(config);
    if (auto started = application.start(); !started) {
      if (json_log) {
        spdlog::error("{}", started.error());
      } else {
        std::cerr << started.error() << "\n";
      }
      return 1;
    }
    application.run();
  }
  spdlog::info("shoal stopped");
  return 0;
}
