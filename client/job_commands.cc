// dermctl describe / events / cancel / retry / workers drain.
#include <grpcpp/grpcpp.h>

#include "client/commands.h"
#include "client/report_printer.h"
#include "common/spec/params.h"

namespace derm::client {

int DescribeRun(Connection& conn, int64_t run_id, OutputFormat format, std::ostream& out, std::ostream& err) {
  derm::v1::GetRunRequest req;
  req.set_run_id(run_id);
  derm::v1::RunReport run;
  if (Status st = conn.Call(&JobStub::GetRun, req, &run); !st.ok()) return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(run, format);
  } else {
    PrintRunReport(run, out);
  }
  return kExitOk;
}

int DescribeJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err) {
  derm::v1::GetJobRequest req;
  req.set_id(job_id);
  derm::v1::Job job;
  if (Status st = conn.Call(&JobStub::GetJob, req, &job); !st.ok()) return Fail(st, err);
  PrintJobLine(job, out);
  out << "\nspec:\n";
  for (const auto& [name, value] : FlattenSpec(job.spec())) out << "  " << name << ": " << value << "\n";
  out << "\nattempts:\n";
  const int code = Query(conn,
                         "SELECT id AS attempt, worker_id AS worker, state, cause, "
                         "datetime(started_ms / 1000, 'unixepoch') AS started, "
                         "(coalesce(ended_ms, started_ms) - started_ms) / 1000.0 AS seconds "
                         "FROM attempts WHERE job_id = " +
                             std::to_string(job_id) + " ORDER BY id",
                         1000, OutputFormat::kTable, out, err);
  if (code != kExitOk) return code;
  out << "\nevents:\n";
  return Events(conn, job_id, out, err);
}

int Events(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err) {
  return Query(conn,
               "SELECT id AS event, datetime(time_ms / 1000, 'unixepoch') AS time, kind, "
               "coalesce(from_state, '') AS from_state, to_state, cause FROM events WHERE job_id = " +
                   std::to_string(job_id) + " ORDER BY id",
               1000, OutputFormat::kTable, out, err);
}

int CancelJob(Connection& conn, int64_t job_id, const std::string& reason, std::ostream& out,
              std::ostream& err) {
  derm::v1::CancelJobRequest req;
  req.set_id(job_id);
  req.set_reason(reason);
  derm::v1::Job job;
  if (Status st = conn.Call(&JobStub::CancelJob, req, &job); !st.ok()) return Fail(st, err);
  PrintJobLine(job, out);
  return kExitOk;
}

int RetryJob(Connection& conn, int64_t job_id, std::ostream& out, std::ostream& err) {
  derm::v1::RetryJobRequest req;
  req.set_id(job_id);
  derm::v1::Job job;
  if (Status st = conn.Call(&JobStub::RetryJob, req, &job); !st.ok()) return Fail(st, err);
  out << "submitted job " << job.id() << " (run " << job.run_id() << "), a retry of job " << job_id << "\n";
  return kExitOk;
}

int DrainWorker(Connection& conn, int64_t worker_id, std::ostream& out, std::ostream& err) {
  derm::v1::DrainWorkerRequest req;
  req.set_id(worker_id);
  derm::v1::WorkerInfo w;
  if (Status st = conn.Call(&JobStub::DrainWorker, req, &w); !st.ok()) return Fail(st, err);
  out << "worker " << w.id() << " " << derm::v1::WorkerState_Name(w.state())
      << (w.running_job_id() ? ": finishing job " + std::to_string(w.running_job_id()) + ", then leaving"
                             : ": leaving")
      << "\n";
  return kExitOk;
}

}  // namespace derm::client
