// RunCommand: argv without a shell, stdin fed, output captured and bounded, time limited.
#include "common/process/run_command.h"

#include <gtest/gtest.h>

namespace derm {
namespace {

TEST(RunCommandTest, FeedsStdinAndCapturesBothStreamsAndTheExitCode) {
  auto r = RunCommand({"/bin/sh", "-c", "cat; echo oops >&2; exit 3"}, "hello $USER; rm -rf /\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "hello $USER; rm -rf /\n");
  EXPECT_EQ(r->err, "oops\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST(RunCommandTest, AMissingProgramIsNotFound) {
  auto r = RunCommand({"/no/such/program"});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/no/such/program"), std::string::npos);
}

TEST(RunCommandTest, OutputIsBoundedAndAHungProgramIsKilled) {
  CommandLimits limits;
  limits.max_output_bytes = 100;
  auto r = RunCommand({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"}, "", limits);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, std::string(100, 'x') + "...");
  limits.timeout_ms = 200;
  EXPECT_EQ(RunCommand({"/bin/sh", "-c", "exec sleep 30"}, "", limits).status().code(),
            StatusCode::kDeadlineExceeded);
  EXPECT_EQ(RunCommand({"/bin/sh", "-c", "exec >&- 2>&-; exec sleep 30"}, "", limits).status().code(),
            StatusCode::kDeadlineExceeded)
      << "its output closed, still running";
}

}  // namespace
}  // namespace derm
