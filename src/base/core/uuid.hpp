#pragma once
#include <string>

namespace shoal::core {

// Random UUID v4 in the lowercase canonical 36-character form Jellyfish uses for every id.
std::string make_uuid_v4();

}  // namespace shoal::core
