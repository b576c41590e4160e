#pragma once
// The dashboard's pages, scripts and styles, built from web/ and compiled into the binary so a
// node serves them with no files beside it (generated: dashboard_assets.cpp in the build tree).
#include <span>
#include <string_view>

namespace shoal::dashboard {

struct Asset {
  std::string_view name;          // file name under /dashboard/
  std::string_view content_type;
  std::string_view body;
};

// Empty when the server was built without the dashboard (-DSHOAL_DASHBOARD=OFF).
std::span<const Asset> assets();

}  // namespace shoal::dashboard
