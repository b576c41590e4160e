#pragma once
// GET /cluster (beyond v0.2.1): the nodes of the cluster with their load and state, and every
// room with the node that holds it, in one answer (for operators and the dashboard).
#include "api/http_types.hpp"
#include "server/node.hpp"

#include <boost/asio/awaitable.hpp>

namespace shoal::api {

boost::asio::awaitable<Response> show_cluster(server::Node& node);

}  // namespace shoal::api
