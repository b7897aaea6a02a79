#include "common/process/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace derm {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void CloseBoth(int fds[2]) {
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= 0) close(fds[i]);
    fds[i] = -1;
  }
}

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

StatusOr<CommandOutput> RunCommand(const std::vector<std::string>& argv, std::string_view input,
                                   const CommandLimits& limits) {
  if (argv.empty()) return InvalidArgument("no command to run");
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, exec_err[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
      pipe2(exec_err, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    CloseBoth(in), CloseBoth(out), CloseBoth(err), CloseBoth(exec_err);
    return Internal("cannot create pipes: " + why);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    CloseBoth(in), CloseBoth(out), CloseBoth(err), CloseBoth(exec_err);
    return Internal(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {  // the child: only async-signal-safe calls from here
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);  // the caller may block signals its child needs
    execvp(args[0], args.data());
    const int e = errno;
    (void)!write(exec_err[1], &e, sizeof e);
    _exit(127);
  }
  close(in[0]), close(out[1]), close(err[1]), close(exec_err[1]);
  in[0] = out[1] = err[1] = exec_err[1] = -1;
  int exec_errno = 0;
  const bool exec_failed = read(exec_err[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  CloseBoth(exec_err);
  CommandOutput result;
  size_t written = 0;
  if (input.empty() || exec_failed) CloseBoth(in);
  const int64_t deadline = NowMs() + limits.timeout_ms;
  bool timed_out = false;
  auto append = [&](std::string* to, const char* data, ssize_t n) {
    const size_t room = limits.max_output_bytes > to->size() ? limits.max_output_bytes - to->size() : 0;
    to->append(data, std::min<size_t>(room, static_cast<size_t>(n)));
    if (static_cast<size_t>(n) > room && (to->size() < 3 || to->compare(to->size() - 3, 3, "...") != 0)) {
      to->append("...");
    }
  };
  while (out[0] >= 0 || err[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    int* which[3];
    if (in[1] >= 0) fds[n] = {in[1], POLLOUT, 0}, which[n++] = &in[1];
    if (out[0] >= 0) fds[n] = {out[0], POLLIN, 0}, which[n++] = &out[0];
    if (err[0] >= 0) fds[n] = {err[0], POLLIN, 0}, which[n++] = &err[0];
    const int64_t left = deadline - NowMs();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    const int ready = poll(fds, n, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (which[i] == &in[1]) {
        const ssize_t w = write(in[1], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == input.size()) close(in[1]), in[1] = -1;
        continue;
      }
      char buf[4096];
      const ssize_t r = read(*which[i], buf, sizeof buf);
      if (r > 0) {
        append(which[i] == &out[0] ? &result.out : &result.err, buf, r);
      } else if (r == 0 || errno != EINTR) {
        close(*which[i]);
        *which[i] = -1;
      }
    }
  }
  CloseBoth(in), CloseBoth(out), CloseBoth(err);
  // A program may close its output and go on running: the deadline holds for its exit too.
  int status = 0;
  while (!timed_out) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (NowMs() >= deadline) {
      timed_out = true;
      break;
    }
    usleep(10000);
  }
  if (timed_out) {
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (exec_failed) return NotFound("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  if (timed_out) {
    return DeadlineExceeded(argv[0] + " did not finish within " + std::to_string(limits.timeout_ms) + " ms");
  }
  result.exit_code = ExitCode(status);
  return result;
}

}  // namespace derm
