// dermctl: submit and follow derm jobs, look at runs, jobs and workers, and query the results.
//   dermctl submit examples/demo.yaml --follow
//   dermctl list jobs|runs|workers [--filter F] [--sort S] [-o table|csv|json]
//   dermctl get job|run ID        dermctl describe job|run ID     dermctl events JOB [--follow]
//   dermctl compare RUN RUN...    dermctl cancel JOB              dermctl workers drain ID
//   dermctl plot RUN... -o FILE.png [--confusion|--roc|--calibration]   dermctl export runs|metrics|...
//   [--run ID] dermctl retry JOB             dermctl query "SQL" dermctl whoami                dermctl token
//   create --user U --role R [--expires 30d] dermctl token list|revoke ID  dermctl events --audit
//   dermctl model register RUN --name N   dermctl model promote N VERSION --stage S [--force]
//   dermctl model list [N]
// Exit codes: 0 ok, 1 job failed/cancelled (--wait/--follow), 2 bad input, 3 scheduler
// unreachable, 4 request refused by the scheduler (docs/cli.md).
#include <CLI/CLI.hpp>
#include <iostream>

#include "client/client_config.h"
#include "client/commands.h"
#include "client/cv_summary.h"

namespace {

using derm::client::OutputFormat;

void AddOutput(CLI::App* cmd, std::string* format) {
  cmd->add_option("-o,--output", *format, "table, csv, json or yaml")
      ->check(CLI::IsMember({"table", "csv", "json", "yaml"}));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dermctl: submit derm training jobs and look at their results"};
  app.require_subcommand(1);
  std::string format = "table";
  derm::client::ClientFlags flags;
  app.add_option("--server", flags.server,
                 "scheduler HOST:PORT (else $DERM_SERVER, the config file's server, 127.0.0.1:50051)");
  app.add_option("--token-file", flags.token_file,
                 "file holding the scheduler's token (else $DERM_TOKEN, the config file's token_file)");
  app.add_option("--timeout-ms", flags.timeout_ms, "deadline of each call (default 10000)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
  app.add_option(
      "--tls-ca", flags.tls.ca,
      "the scheduler serves TLS: verify it with this CA (else $DERM_TLS_CA, the config file's tls_ca)");
  app.add_option("--tls-cert", flags.tls.cert, "client certificate for mTLS (else $DERM_TLS_CERT, tls_cert)");
  app.add_option("--tls-key", flags.tls.key, "its key (else $DERM_TLS_KEY, tls_key)");

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
  std::string kind;
  derm::client::ListOptions list_options;
  auto* get = app.add_subcommand("get", "one job or run as a table row");
  get->add_option("kind", kind, "job or run")->required()->check(CLI::IsMember({"job", "run"}));
  get->add_option("id", id, "id")->required();
  AddOutput(get, &format);

  auto* list = app.add_subcommand("list", "list jobs, runs or workers");
  list->add_option("kind", kind, "jobs, runs or workers")
      ->required()
      ->check(CLI::IsMember({"jobs", "runs", "workers"}));
  list->add_option("--filter", list_options.filter,
                   "runs: e.g. \"state = SUCCEEDED AND params.train.learning_rate < 0.001\"");
  list->add_option("--sort", list_options.sort, "runs: e.g. \"best_val_accuracy desc\"");
  list->add_option("--state", list_options.states, "jobs: only these states (repeatable)");
  list->add_option("--limit", list_options.limit, "at most this many")->check(CLI::Range(1, 100000));
  AddOutput(list, &format);

  auto* describe = app.add_subcommand("describe",
                                      "a run (params, epochs, confusion matrix), a job (spec, attempts, "
                                      "events) or a sweep's cross-validation "
                                      "groups (cv SWEEP: folds, mean and sd, pooled out-of-fold evaluation)");
  describe->add_option("kind", kind, "job, run or cv")
      ->required()
      ->check(CLI::IsMember({"job", "run", "cv"}));
  describe->add_option("id", id, "id")->required();
  AddOutput(describe, &format);

  std::vector<int64_t> compare_ids;
  auto* compare = app.add_subcommand("compare", "runs side by side: what differs, and whether it is real");
  compare->add_option("runs", compare_ids, "2 to 10 run ids")->required()->expected(2, 10);
  AddOutput(compare, &format);

  derm::client::PlotOptions plot_options;
  auto* plot =
      app.add_subcommand("plot", "learning curves or confusion heatmaps of runs, as a PNG or SVG file");
  plot->add_option("runs", plot_options.run_ids, "run ids")->required()->expected(1, 10);
  plot->add_option("-o,--out", plot_options.file, "FILE.png or FILE.svg")->required();
  plot->add_flag("--confusion", plot_options.confusion,
                 "confusion-matrix heatmaps instead of learning curves");
  plot->add_flag("--roc", plot_options.roc, "every class's ROC curve and AUC (docs/evaluation.md)");
  plot->add_flag("--calibration", plot_options.calibration, "reliability diagrams, with ECE, NLL and Brier");
  plot->add_flag("--test", plot_options.test, "with --confusion, --roc or --calibration: the test split");

  derm::client::ExportOptions export_options;
  std::string export_format = "csv";
  auto* exp = app.add_subcommand(
      "export",
      "runs, metrics, classes, confusion, predictions, errors or params as CSV or JSON; a run's model file");
  exp->add_option("what", export_options.what, "what to export")
      ->required()
      ->check(CLI::IsMember(
          {"runs", "metrics", "classes", "confusion", "predictions", "errors", "params", "model"}));
  exp->add_option("--run", export_options.run_id, "only this run (model: the run, required)");
  exp->add_option("--job", export_options.job_id,
                  "predictions, errors: only this job (e.g. an inference job)");
  exp->add_option("-o,--output", export_format, "csv, json or yaml")
      ->check(CLI::IsMember({"csv", "json", "yaml"}));
  exp->add_option("--out", export_options.file, "file to write (default: standard output)");
  std::string ledger_format;
  exp->add_option("--format", ledger_format,
                  "predictions: isic writes a run's split (--run, --split) as the ISIC Challenge's CSV")
      ->check(CLI::IsMember({"isic"}));
  exp->add_option("--split", export_options.split, "predictions --format isic: validation or test")
      ->check(CLI::IsMember({"validation", "test"}));
  exp->add_flag("--truth", export_options.truth,
                "predictions --format isic: the one-hot ground truth instead");

  auto* retry = app.add_subcommand("retry", "submit a finished job's spec again");
  retry->add_option("job", id, "job id")->required();

  bool follow = false, audit = false;
  int audit_limit = 100;
  auto* events = app.add_subcommand("events", "a job's state changes and epochs, or the audit trail");
  events->add_option("job", id, "job id");
  events->add_flag("--follow,-f", follow, "keep following until the job ends");
  events->add_flag("--audit", audit, "refused calls and token changes, newest first (admins)");
  events->add_option("--limit", audit_limit, "--audit: at most this many")->check(CLI::Range(1, 10000));
  AddOutput(events, &format);

  auto* whoami = app.add_subcommand("whoami", "who the scheduler takes you to be");
  derm::client::TokenOptions token_options;
  auto* token = app.add_subcommand("token", "manage tokens (admins)");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "make a token; prints it once");
  token_create->add_option("--user", token_options.user, "who it is for (letters, digits, . _ @ -)")
      ->required();
  token_create->add_option("--role", token_options.role, "viewer, editor, admin, worker or launcher")
      ->required();
  token_create
      ->add_option("--expires", token_options.expires_s,
                   "lifetime, e.g. 3600s, 12h, 30d, 4w (default: never)")
      ->transform(CLI::AsNumberWithUnit(
          std::map<std::string, int64_t>{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}}));
  auto* token_list = token->add_subcommand("list", "every token (never the secrets)");
  AddOutput(token_list, &format);
  auto* token_revoke = token->add_subcommand("revoke", "refuse a token from now on");
  token_revoke->add_option("token", id, "token id")->required();

  derm::client::PromoteOptions promote_options;
  std::string model_name;
  auto* model = app.add_subcommand("model", "the model registry (docs/models.md)");
  model->require_subcommand(1);
  auto* model_register =
      model->add_subcommand("register", "a finished run's model as the next version of NAME");
  model_register->add_option("run", id, "run id")->required();
  model_register->add_option("--name", model_name, "the model's name (letters, digits, . _ -)")->required();
  auto* model_promote = model->add_subcommand("promote", "move a version to a stage");
  model_promote->add_option("name", promote_options.name, "model name")->required();
  model_promote->add_option("version", promote_options.version, "version")->required();
  model_promote->add_option("--stage", promote_options.stage, "staging, production, archived or none")
      ->required();
  model_promote->add_flag("--force", promote_options.force,
                          "production although the gates did not all pass (admins)");
  model_promote->add_option("--reason", promote_options.reason, "recorded with the change");
  auto* model_list = model->add_subcommand("list", "every version of NAME (or of every model)");
  model_list->add_option("name", model_name, "model name");
  AddOutput(model_list, &format);

  std::string reason;
  auto* cancel = app.add_subcommand("cancel", "cancel a queued or running job");
  cancel->add_option("job", id, "job id")->required();
  cancel->add_option("--reason", reason, "recorded with the job");

  auto* workers = app.add_subcommand("workers", "manage workers");
  workers->require_subcommand(1);
  auto* drain = workers->add_subcommand("drain", "let a worker finish its current job, then leave");
  drain->add_option("worker", id, "worker id")->required();

  std::string sql;
  int64_t max_rows = 1000;
  auto* query = app.add_subcommand("query", "read-only SQL on the results database (docs/schema.md)");
  query->add_option("sql", sql, "one SELECT statement")->required();
  query->add_option("--max-rows", max_rows, "row limit")->check(CLI::Range(int64_t{1}, int64_t{100000}));
  AddOutput(query, &format);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "dermctl: " << e.what() << " (see dermctl --help)\n";
    return derm::client::kExitBadInput;
  }
  submit.check_paths = !no_path_check;
  OutputFormat out_format = OutputFormat::kTable;
  derm::client::ParseOutputFormat(format, &out_format);
  list_options.format = out_format;

  namespace c = derm::client;
  auto config = c::ResolveClientConfig(flags);
  if (!config.ok()) return c::Fail(config.status(), std::cerr);
  auto opened = c::Connection::Open({config->server, config->timeout_ms, config->token, config->tls});
  if (!opened.ok()) return c::Fail(opened.status(), std::cerr);
  c::Connection& conn = **opened;
  auto& out = std::cout;
  auto& err = std::cerr;
  if (sub->parsed()) return c::Submit(conn, submit, out, err);
  if (get->parsed())
    return kind == "job" ? c::GetJob(conn, id, out_format, out, err)
                         : c::GetRun(conn, id, out_format, out, err);
  if (list->parsed()) {
    if (kind == "jobs") return c::ListJobs(conn, list_options, out, err);
    if (kind == "runs") return c::ListRuns(conn, list_options, out, err);
    return c::ListWorkers(conn, out_format, out, err);
  }
  if (describe->parsed()) {
    if (kind == "cv") return c::DescribeCrossValidation(conn, id, out, err);
    return kind == "run" ? c::DescribeRun(conn, id, out_format, out, err)
                         : c::DescribeJob(conn, id, out, err);
  }
  if (plot->parsed()) return c::Plot(conn, plot_options, out, err);
  if (exp->parsed()) {
    c::ParseOutputFormat(export_format, &export_options.format);
    export_options.isic = ledger_format == "isic";
    return c::Export(conn, export_options, out, err);
  }
  if (retry->parsed()) return c::RetryJob(conn, id, out, err);
  if (compare->parsed()) return c::CompareRuns(conn, compare_ids, out_format, out, err);
  if (events->parsed()) {
    if (audit) return c::AuditEvents(conn, audit_limit, out_format, out, err);
    if (id == 0) return c::Fail(derm::InvalidArgument("events needs a job id, or --audit"), err);
    return follow ? c::FollowJob(conn, id, out, err) : c::Events(conn, id, out, err);
  }
  if (whoami->parsed()) return c::WhoAmI(conn, out, err);
  if (token_create->parsed()) return c::CreateToken(conn, token_options, out, err);
  if (token_list->parsed()) return c::ListTokens(conn, out_format, out, err);
  if (token_revoke->parsed()) return c::RevokeToken(conn, id, out, err);
  if (model_register->parsed()) return c::RegisterModel(conn, id, model_name, out, err);
  if (model_promote->parsed()) return c::PromoteModel(conn, promote_options, out, err);
  if (model_list->parsed()) return c::ListModels(conn, model_name, out_format, out, err);
  if (cancel->parsed()) return c::CancelJob(conn, id, reason, out, err);
  if (drain->parsed()) return c::DrainWorker(conn, id, out, err);
  if (query->parsed()) return c::Query(conn, sql, max_rows, out_format, out, err);
  return c::kExitBadInput;
}
