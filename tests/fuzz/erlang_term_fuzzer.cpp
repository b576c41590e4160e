// Erlang external terms as other cluster nodes send them: the validator that runs before any
// decoding, then the decoders shoal uses on validated terms.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cluster/term.hpp"

using namespace shoal::cluster;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxTermSize) return 0;
  const std::vector<char> term(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size);
  std::size_t pos = 0;
  (void)validate_term_at(term.data(), term.size(), pos);
  if (!validate_term(term)) return 0;
  (void)decode_binary(term);
  (void)decode_atom(term);
  std::size_t at = 1;
  (void)decode_atom(term.data(), term.size(), at);
  // Re-wrapping a validated term must give a valid term again.
  TermWriter writer;
  writer.tuple(2).atom("shoal_reply").raw(term.data(), term.size());
  if (writer.ok() && !validate_term(writer.bytes())) __builtin_trap();
  return 0;
}
