// RunCommand: runs a program to completion with argv (no shell), feeds it `input` on stdin and
// captures stdout and stderr, bounded in size and time.
// Thread-safety: thread-safe (each call forks its own child).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status_or.h"

namespace derm {

struct CommandOutput {
  int exit_code = 0;  // 128 + signal when killed
  std::string out, err;
};

struct CommandLimits {
  int64_t timeout_ms = 30000;         // killed (SIGKILL) after this: DEADLINE_EXCEEDED
  size_t max_output_bytes = 1 << 20;  // per stream; more is dropped (the output ends "...")
};

// Runs argv[0] (searched on $PATH when it has no '/'). NOT_FOUND when it cannot be started,
// DEADLINE_EXCEEDED when it outlives limits.timeout_ms (even with its output closed); a non-zero
// exit is not an error here. A caller that passes `input` ignores SIGPIPE (a program may exit
// before reading it all).
StatusOr<CommandOutput> RunCommand(const std::vector<std::string>& argv, std::string_view input = "",
                                   const CommandLimits& limits = {});

}  // namespace derm
