// The harness's own promise, checked: a sanitizer report printed by a server process fails the
// test that started it (what makes the sanitized stage worth running).
#include "harness.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace shoal::test {
namespace {

void run_a_server_that_reports() {
  ShoalProcess process;
  EXPECT_EQ(api(process.port(), "GET", "/health").status, 200);
}

void run_a_server_that_reports_at_start_up_exit() {
  run_shoal_to_exit({{"JF_PORT", "not-a-port"}}, {"--dev"});
}

TEST(Harness, ASanitizerReportOfTheServerFailsTheTest) {
  const std::string real = shoal_binary();
  char directory[] = "/tmp/shoal-harness-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  const std::string wrapper = std::string(directory) + "/reporting-shoal";
  {
    // What a sanitized binary prints on a finding, then the real server carries on.
    std::ofstream script(wrapper);
    script << "#!/bin/sh\n"
           << "echo '==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010' >&2\n"
           << "exec '" << real << "' \"$@\"\n";
  }
  ASSERT_EQ(chmod(wrapper.c_str(), 0755), 0);
  // Whichever variable chooses the binary in this run (the sanitized stage's takes precedence).
  const char* choosing = std::getenv("SHOAL_TEST_SANITIZED_BINARY") ? "SHOAL_TEST_SANITIZED_BINARY" : "SHOAL_TEST_BINARY";
  ASSERT_EQ(setenv(choosing, wrapper.c_str(), 1), 0);
  EXPECT_NONFATAL_FAILURE(run_a_server_that_reports(), "sanitizer report from shoal");
  EXPECT_NONFATAL_FAILURE(run_a_server_that_reports_at_start_up_exit(), "heap-use-after-free");
  ASSERT_EQ(setenv(choosing, real.c_str(), 1), 0);
  unlink(wrapper.c_str());
  rmdir(directory);
}

}  // namespace
}  // namespace shoal::test
