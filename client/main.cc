// dermctl: submit and follow derm jobs, and look at their runs.
//   dermctl submit examples/demo.yaml --follow
//   dermctl get JOB | list | describe RUN | cancel JOB
// Exit codes: 0 ok, 1 job failed/cancelled (--wait/--follow), 2 bad input, 3 scheduler
// unreachable, 4 request refused by the scheduler.
#include <CLI/CLI.hpp>
#include <iostream>

#include "client/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"dermctl: submit derm training jobs and look at their results"};
  app.require_subcommand(1);
  std::string server;
  int64_t timeout_ms = 10000;
  app.add_option("--server", server, "scheduler HOST:PORT (default $DERM_SERVER or 127.0.0.1:50051)");
  app.add_option("--timeout-ms", timeout_ms, "deadline of each call")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));

  derm::client::SubmitOptions submit;
  bool no_path_check = false;
  auto* sub = app.add_subcommand("submit", "validate a job spec (YAML) and queue it");
  sub->add_option("file", submit.file, "job spec, e.g. examples/demo.yaml")->required();
  sub->add_flag("--follow,-f", submit.follow, "stream progress and print the run's report at the end");
  sub->add_flag("--wait,-w", submit.wait, "wait for the job and exit with its outcome");
  sub->add_flag("--no-path-check", no_path_check, "do not check here that the data folders exist");
  sub->add_option("--key", submit.idempotency_key,
                  "idempotency key: resubmitting with it returns the first job");

  int64_t id = 0;
  int limit = 50;
  auto* get = app.add_subcommand("get", "show one job");
  get->add_option("job", id, "job id")->required();
  auto* list = app.add_subcommand("list", "list jobs, newest first");
  list->add_option("--limit", limit, "how many")->check(CLI::Range(1, 10000));
  auto* describe =
      app.add_subcommand("describe", "show a run: parameters, per-epoch metrics, confusion matrix");
  describe->add_option("run", id, "run id")->required();
  auto* cancel = app.add_subcommand("cancel", "cancel a queued or running job");
  cancel->add_option("job", id, "job id")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "dermctl: " << e.what() << " (see dermctl --help)\n";
    return derm::client::kExitBadInput;
  }
  submit.check_paths = !no_path_check;

  derm::client::Connection conn({derm::client::ResolveServer(server), timeout_ms});
  if (sub->parsed()) return derm::client::Submit(conn, submit, std::cout, std::cerr);
  if (get->parsed()) return derm::client::GetJob(conn, id, std::cout, std::cerr);
  if (list->parsed()) return derm::client::ListJobs(conn, limit, std::cout, std::cerr);
  if (describe->parsed()) return derm::client::DescribeRun(conn, id, std::cout, std::cerr);
  if (cancel->parsed()) return derm::client::CancelJob(conn, id, std::cout, std::cerr);
  return derm::client::kExitBadInput;
}
