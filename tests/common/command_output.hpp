#pragma once
// What a shell command prints on its standard output (append 2>&1 for errors too); empty when
// it cannot be started. Tests use it for erl, epmd and openssl.
#include <cstdio>
#include <string>

namespace shoal::test {

inline std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
    ::pclose(pipe);
  }
  return out;
}

}  // namespace shoal::test
