// The served OpenAPI document: valid, covering every route the server has, refs resolvable.
#include "api/rest_api.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace shoal::api {
namespace {

using nlohmann::json;

json document() { return json::parse(openapi_document()); }

void collect_refs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) refs.push_back(value.get<std::string>());
      collect_refs(value, refs);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) collect_refs(value, refs);
  }
}

TEST(OpenApi, DescribesEveryRouteWithOperationIdsAndAuthResponses) {
  auto doc = document();
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  const std::vector<std::pair<std::string, std::vector<std::string>>> routes = {
      {"/room", {"get", "post"}},
      {"/room/{room_id}", {"get", "delete"}},
      {"/room/{room_id}/peer", {"post"}},
      {"/room/{room_id}/peer/{id}", {"delete"}},
      {"/room/{room_id}/component", {"post"}},
      {"/room/{room_id}/component/{id}", {"delete"}},
      {"/hls/{room_id}/{filename}", {"get"}},
      {"/health", {"get"}},
  };
  for (const auto& [path, methods] : routes) {
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    for (const auto& method : methods) {
      const auto& operation = doc["paths"][path][method];
      ASSERT_TRUE(operation.is_object()) << method << " " << path;
      EXPECT_TRUE(operation["operationId"].is_string()) << method << " " << path;
      if (path.rfind("/hls", 0) != 0) {
        EXPECT_TRUE(operation["responses"].contains("401")) << method << " " << path;
      }
    }
  }
}

TEST(OpenApi, EveryReferenceResolves) {
  auto doc = document();
  std::vector<std::string> refs;
  collect_refs(doc, refs);
  ASSERT_FALSE(refs.empty());
  constexpr std::string_view kPrefix = "#/components/schemas/";
  for (const auto& ref : refs) {
    ASSERT_EQ(ref.rfind(kPrefix, 0), 0u) << ref;
    EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(kPrefix.size()))) << ref;
  }
}

}  // namespace
}  // namespace shoal::api
