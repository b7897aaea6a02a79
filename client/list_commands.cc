// dermctl get / list / query.
#include <grpcpp/grpcpp.h>

#include "client/commands.h"
#include "common/strings.h"

namespace derm::client {
namespace {

Table JobTable(const google::protobuf::RepeatedPtrField<derm::v1::Job>& jobs) {
  Table t{{"JOB", "RUN", "STATE", "NAME", "BY", "PRIORITY", "ATTEMPTS", "CREATED (UTC)", "MESSAGE"}, {}};
  for (const auto& j : jobs) {
    t.rows.push_back({std::to_string(j.id()), std::to_string(j.run_id()), derm::v1::JobState_Name(j.state()),
                      j.spec().name(), j.submitted_by(), std::to_string(j.spec().priority()),
                      std::to_string(j.attempts()), UtcTime(j.created_ms()), j.message()});
  }
  return t;
}

Table RunTable(const google::protobuf::RepeatedPtrField<derm::v1::RunSummary>& runs) {
  Table t{{"RUN", "JOB", "STATE", "NAME", "LR", "BATCH", "DROPOUT", "EPOCHS", "VAL_ACC", "BEST_VAL_ACC",
           "BEST_EPOCH", "TEST_ACC", "DURATION_S", "BY"},
          {}};
  auto param = [](const derm::v1::RunSummary& r, const char* k) {
    auto it = r.params().find(k);
    return it == r.params().end() ? std::string() : it->second;
  };
  for (const auto& r : runs) {
    t.rows.push_back({std::to_string(r.run_id()), std::to_string(r.job_id()),
                      derm::v1::JobState_Name(r.state()), r.name(), param(r, "train.learning_rate"),
                      param(r, "train.batch_size"), param(r, "model.dropout"),
                      std::to_string(r.epochs_done()), Fixed(r.final_val_accuracy()),
                      Fixed(r.best_val_accuracy()), std::to_string(r.best_epoch()), Fixed(r.test_accuracy()),
                      Fixed(r.duration_s(), 1), r.submitted_by()});
  }
  return t;
}

}  // namespace

int GetJob(Connection& conn, int64_t job_id, OutputFormat format, std::ostream& out, std::ostream& err) {
  derm::v1::GetJobRequest req;
  req.set_id(job_id);
  derm::v1::ListJobsResponse one;
  if (Status st = conn.Call(&JobStub::GetJob, req, one.add_jobs()); !st.ok()) return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(one.jobs(0), format);
  } else {
    PrintTable(JobTable(one.jobs()), format, out);
  }
  return kExitOk;
}

int GetRun(Connection& conn, int64_t run_id, OutputFormat format, std::ostream& out, std::ostream& err) {
  ListOptions o;
  o.format = format;
  o.filter = "run_id = " + std::to_string(run_id);
  derm::v1::ListRunsRequest req;
  req.set_filter(o.filter);
  derm::v1::ListRunsResponse resp;
  if (Status st = conn.Call(&JobStub::ListRuns, req, &resp); !st.ok()) return Fail(st, err);
  if (resp.runs().empty()) return Fail(NotFound("run " + std::to_string(run_id) + " does not exist"), err);
  if (IsStructured(format)) {
    out << ProtoText(resp.runs(0), format);
  } else {
    PrintTable(RunTable(resp.runs()), format, out);
  }
  return kExitOk;
}

int ListJobs(Connection& conn, const ListOptions& o, std::ostream& out, std::ostream& err) {
  derm::v1::ListJobsRequest req;
  req.set_limit(o.limit);
  for (const auto& s : o.states) {
    derm::v1::JobState state;
    if (!derm::v1::JobState_Parse(AsciiUpper(s), &state) || state == derm::v1::JOB_STATE_UNSPECIFIED) {
      return Fail(
          InvalidArgument("--state " + s + " is not one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED"),
          err);
    }
    req.add_states(state);
  }
  derm::v1::ListJobsResponse resp;
  if (Status st = conn.Call(&JobStub::ListJobs, req, &resp); !st.ok()) return Fail(st, err);
  if (IsStructured(o.format)) {
    out << ProtoText(resp, o.format);
  } else {
    PrintTable(JobTable(resp.jobs()), o.format, out);
  }
  return kExitOk;
}

int ListRuns(Connection& conn, const ListOptions& o, std::ostream& out, std::ostream& err) {
  derm::v1::ListRunsRequest req;
  req.set_filter(o.filter);
  req.set_order_by(o.sort);
  derm::v1::ListRunsResponse all;
  // Page through until `limit` runs are collected.
  while (all.runs_size() < o.limit) {
    req.set_page_size(std::min(1000, o.limit - all.runs_size()));
    derm::v1::ListRunsResponse page;
    if (Status st = conn.Call(&JobStub::ListRuns, req, &page); !st.ok()) return Fail(st, err);
    for (auto& r : *page.mutable_runs()) *all.add_runs() = std::move(r);
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  if (IsStructured(o.format)) {
    out << ProtoText(all, o.format);
  } else {
    PrintTable(RunTable(all.runs()), o.format, out);
  }
  return kExitOk;
}

int ListWorkers(Connection& conn, OutputFormat format, std::ostream& out, std::ostream& err) {
  derm::v1::ListWorkersResponse resp;
  if (Status st = conn.Call(&JobStub::ListWorkers, derm::v1::ListWorkersRequest(), &resp); !st.ok())
    return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(resp, format);
    return kExitOk;
  }
  Table t{{"WORKER", "NAME", "STATE", "DEVICE", "GPUS", "RUNNING_JOB", "CLUSTER_JOB", "LAST_SEEN (UTC)",
           "REGISTERED_BY"},
          {}};
  for (const auto& w : resp.workers()) {
    // GPUS: how many it offers, and which ones it sees ("1 (3)": one, CUDA_VISIBLE_DEVICES=3).
    const std::string gpus =
        std::to_string(w.gpus()) + (w.visible_gpus().empty() ? "" : " (" + w.visible_gpus() + ")");
    t.rows.push_back({std::to_string(w.id()), w.name(), derm::v1::WorkerState_Name(w.state()), w.device(),
                      gpus, w.running_job_id() ? std::to_string(w.running_job_id()) : "", w.cluster_job(),
                      UtcTime(w.last_seen_ms()), w.registered_by()});
  }
  PrintTable(t, format, out);
  return kExitOk;
}

int Query(Connection& conn, const std::string& sql, int64_t max_rows, OutputFormat format, std::ostream& out,
          std::ostream& err) {
  derm::v1::QueryRequest req;
  req.set_sql(sql);
  req.set_max_rows(max_rows);
  derm::v1::QueryResponse resp;
  if (Status st = conn.Call(&JobStub::Query, req, &resp); !st.ok()) return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(resp, format);
  } else {
    PrintTable(QueryTable(resp), format, out);
  }
  if (resp.truncated()) err << "dermctl: showing the first " << resp.rows_size() << " rows (--max-rows)\n";
  return kExitOk;
}

}  // namespace derm::client
