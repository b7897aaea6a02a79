#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "client/commands.h"
#include "client/report_printer.h"
#include "client/spec_yaml.h"
#include "client/table_check.h"
#include "common/grpc/limits.h"
#include "common/spec/input_listing.h"
#include "common/spec/job_kind.h"
#include "common/spec/params.h"

namespace derm::client {
namespace fs = std::filesystem;

int Fail(const Status& st, std::ostream& err) {
  err << "dermctl: " << st.message() << "\n";
  switch (st.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return kExitUnreachable;
    case StatusCode::kInvalidArgument:
      return kExitBadInput;
    default:
      return kExitServerError;
  }
}

namespace {

int Outcome(derm::v1::JobState state) { return state == derm::v1::SUCCEEDED ? kExitOk : kExitJobFailed; }

// Streams the job's events to `out` until it ends; prints the run report when it succeeded.
int Follow(Connection& conn, const derm::v1::Job& job, bool verbose, std::ostream& out, std::ostream& err) {
  derm::v1::WatchJobRequest req;
  req.set_id(job.id());
  auto ctx = conn.Context(0);
  auto reader = conn.jobs()->WatchJob(ctx.get(), req);
  derm::v1::JobEvent ev;
  // A live progress bar only on a terminal; logs and pipes get the epoch lines alone.
  const bool live = verbose && &out == &std::cout && isatty(STDOUT_FILENO);
  bool bar_shown = false;
  auto clear_bar = [&] {
    if (bar_shown) out << "\r\033[K";
    bar_shown = false;
  };
  while (reader->Read(&ev)) {
    if (ev.has_shards() && ev.message().find(" leased by worker ") != std::string::npos) continue;
    if (ev.has_progress()) {
      if (live) {
        out << "\r\033[K" << ProgressBar(ev.progress(), ev.total_epochs());
        bar_shown = true;
      }
    } else if (ev.has_epoch()) {
      clear_bar();
      if (verbose) PrintEpochLine(ev.epoch(), ev.total_epochs(), out);
    } else {
      clear_bar();
      if (verbose) {
        out << "job " << job.id() << " " << derm::v1::JobState_Name(ev.state());
        if (!ev.message().empty()) out << ": " << ev.message();
        if (ev.has_shards() && ev.state() == derm::v1::RUNNING) {
          const auto& p = ev.shards();
          out << " [" << p.shards_done() << "/" << p.shards_total() << " shards, " << p.images_done() << "/"
              << p.images_total() << " images]";
        }
        out << "\n";
      }
    }
    out.flush();
  }
  if (grpc::Status st = reader->Finish(); !st.ok()) return Fail(conn.Explain(st), err);
  derm::v1::GetJobRequest get;
  get.set_id(job.id());
  derm::v1::Job final_job;
  if (Status st = conn.Call(&JobStub::GetJob, get, &final_job); !st.ok()) return Fail(st, err);
  const derm::v1::JobState last = final_job.state();
  if (verbose && last == derm::v1::SUCCEEDED && final_job.spec().kind() == "infer") {
    out << "\n";
    if (int code = PrintInferenceSummary(conn, final_job.id(), out, err); code != kExitOk) return code;
  } else if (verbose && last == derm::v1::SUCCEEDED) {
    derm::v1::GetRunRequest run_req;
    run_req.set_run_id(final_job.run_id());
    derm::v1::RunReport run;
    if (Status st = conn.Call(&JobStub::GetRun, run_req, &run); !st.ok()) return Fail(st, err);
    out << "\n";
    PrintRunReport(run, out);
  } else if (!verbose) {
    PrintJobLine(final_job, out);
  }
  if (last != derm::v1::SUCCEEDED)
    err << "dermctl: job " << job.id() << " ended " << derm::v1::JobState_Name(last)
        << (final_job.message().empty() ? "" : ": " + final_job.message()) << "\n";
  return Outcome(last);
}

// The spec fields dermctl checks on this machine before submitting: true for a folder.
const std::map<std::string, bool>& CheckedPaths() {
  static const std::map<std::string, bool> kPaths = {
      {"data.train_dir", true}, {"data.test_dir", true},    {"data.table", false},
      {"data.images", true},    {"data.test_table", false}, {"data.test_images", true},
      {"input.folder", true},   {"input.list_file", false}, {"model.file", false}};
  return kPaths;
}

// A problem ("line N: [prefix]field folder P does not exist") when `path` names nothing there.
void CheckPath(const std::string& field, const std::string& path, const std::string& line_of,
               const std::string& prefix, ParsedSpec* parsed) {
  const bool folder = CheckedPaths().at(field);
  std::error_code ec;
  if (path.empty() || (folder ? fs::is_directory(path, ec) : fs::is_regular_file(path, ec))) return;
  auto line = parsed->lines.find(line_of);
  parsed->problems.push_back(
      (line != parsed->lines.end() ? "line " + std::to_string(line->second) + ": " : "") + prefix + field +
      (folder ? " folder " : " file ") + path + " does not exist");
}

// An infer job's input.folder, glob or list_file, listed here (the scheduler reads no file a
// spec names) and sent as input.paths; the spec keeps where they came from as the tag "input".
Status ListInferInput(derm::v1::JobSpec* spec, size_t request_bytes) {
  if (KindOf(*spec) != JobKind::kInfer || spec->input().paths_size() > 0) return Status::Ok();
  DERM_ASSIGN_OR_RETURN(std::vector<std::string> paths, ListInput(spec->input()));
  derm::v1::InputSpec* in = spec->mutable_input();
  const std::string source = !in->folder().empty() ? "folder " + in->folder()
                             : !in->glob().empty() ? "glob " + in->glob()
                                                   : "list_file " + in->list_file();
  in->Clear();
  size_t bytes = request_bytes;
  for (auto& p : paths) {
    bytes += p.size() + 3;
    if (bytes > kMaxRequestBytes) {
      return InvalidArgument("input: " + source + " lists " + std::to_string(paths.size()) +
                             " images, more than one request carries (" +
                             std::to_string(kMaxRequestBytes >> 20) + " MiB); split it into several jobs");
    }
    in->add_paths(std::move(p));
  }
  spec->mutable_tags()->try_emplace("input", source.substr(0, 256));
  return Status::Ok();
}

}  // namespace

int Submit(Connection& conn, const SubmitOptions& o, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  const fs::file_status st = fs::status(o.file, ec);
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    err << "dermctl: " << o.file << " is " << (fs::is_directory(st) ? "a folder" : "not a regular file")
        << ", not a spec file\n";
    return kExitBadInput;
  }
  if (const auto size = fs::file_size(o.file, ec); !ec && size > kMaxSpecBytes) {
    err << "dermctl: " << o.file << ": the spec is " << size << " bytes; specs are at most " << kMaxSpecBytes
        << " bytes\n";
    return kExitBadInput;
  }
  std::ifstream in(o.file);
  if (!in) {
    err << "dermctl: cannot read " << o.file << ": "
        << (fs::exists(st) ? "permission denied" : "no such file") << "\n";
    return kExitBadInput;
  }
  std::stringstream text;
  text << in.rdbuf();
  ParsedSpec parsed = LoadSpec(text.str(), fs::path(o.file).parent_path().string());
  if (parsed.problems.empty() && o.check_paths) {
    const std::map<std::string, std::string> fields = FlattenSpec(parsed.spec);
    for (const auto& [field, folder] : CheckedPaths()) {
      if (auto it = fields.find(field); it != fields.end()) CheckPath(field, it->second, field, "", &parsed);
    }
    // Each path given as a sweep value, once.
    for (const auto& [field, values] : parsed.spec.sweep().parameters()) {
      if (!CheckedPaths().count(field)) continue;
      const std::set<std::string> paths(values.values().begin(), values.values().end());
      for (const auto& path : paths) CheckPath(field, path, "sweep", "sweep: ", &parsed);
    }
  }
  if (parsed.problems.empty() && o.check_paths) {
    // The tables' problems name their own file and line.
    for (const auto& p : CheckTables(parsed.spec.data())) {
      err << "dermctl: " << p << "\n";
      parsed.problems.push_back(p);
    }
    if (!parsed.problems.empty()) return kExitBadInput;
  }
  if (!parsed.problems.empty()) {
    for (const auto& p : parsed.problems) err << "dermctl: " << o.file << ": " << p << "\n";
    return kExitBadInput;
  }

  derm::v1::SubmitJobRequest req;
  *req.mutable_spec() = parsed.spec;
  req.set_idempotency_key(o.idempotency_key);
  if (Status listed = ListInferInput(req.mutable_spec(), req.ByteSizeLong()); !listed.ok()) {
    err << "dermctl: " << o.file << ": " << listed.message() << "\n";
    return kExitBadInput;
  }
  derm::v1::SubmitJobResponse resp;
  if (Status st = conn.Call(&JobStub::SubmitJob, req, &resp); !st.ok()) return Fail(st, err);
  if (resp.sweep_id() == 0) {
    out << (resp.deduplicated() ? "already submitted: job " : "submitted job ") << resp.job().id();
    if (resp.job().run_id()) {
      out << " (run " << resp.job().run_id() << ")\n";
    } else {
      out << " (inference)\n";
    }
    out.flush();
    if (o.follow || o.wait) return Follow(conn, resp.job(), o.follow, out, err);
    return kExitOk;
  }
  out << (resp.deduplicated() ? "already submitted: sweep " : "submitted sweep ") << resp.sweep_id() << ": "
      << resp.sweep_jobs_size() << " jobs\n";
  for (const auto& j : resp.sweep_jobs())
    out << "  job " << j.id() << " (run " << j.run_id() << ") " << j.spec().name() << "\n";
  out.flush();
  if (!o.follow && !o.wait) return kExitOk;
  int worst = kExitOk;
  for (const auto& j : resp.sweep_jobs()) {
    if (o.follow) out << "\n== job " << j.id() << " " << j.spec().name() << "\n";
    worst = std::max(worst, Follow(conn, j, o.follow, out, err));
    if (worst > kExitJobFailed) return worst;  // the scheduler went away
  }
  out << "\nsweep " << resp.sweep_id() << ", best first:\n";
  ListOptions list;
  list.filter = "sweep_id = " + std::to_string(resp.sweep_id());
  list.sort = "best_val_accuracy desc";
  list.limit = resp.sweep_jobs_size();
  const int listed = ListRuns(conn, list, out, err);
  return listed != kExitOk ? listed : worst;
}

int FollowJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err) {
  derm::v1::Job job;
  job.set_id(job_id);
  return Follow(conn, job, /*verbose=*/true, out, err);
}

}  // namespace derm::client
