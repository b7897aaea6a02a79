// Subprocess: starts a program (fork/exec) for process-level tests, reads its stdout line by
// line (blocking, no polling or sleeps), and signals and reaps it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace derm::testing {

class Subprocess {
 public:
  // Starts argv[0] with `argv`; stdout goes to a pipe read by ReadLine(), stderr to `stderr_path`
  // ("" = inherited).
  Subprocess(const std::vector<std::string>& argv, const std::string& stderr_path = "");
  ~Subprocess();  // SIGKILLs and reaps the process if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // The next line of stdout without its newline; false at end of file.
  bool ReadLine(std::string* line);
  void Signal(int sig);
  // Waits for exit; returns the exit status (128 + signal when killed).
  int Wait();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = 0;
};

struct CommandResult {
  int exit_code = 0;
  std::string out, err;
};

// Runs a command to completion (on $PATH when argv[0] has no '/'), capturing stdout and stderr;
// exit code 127 and the reason in `err` when it cannot be started.
CommandResult RunCommand(const std::vector<std::string>& argv);

}  // namespace derm::testing
