#include "store/job_rows.h"

#include "common/spec/job_kind.h"
#include "common/spec/params.h"
#include "store/event_log.h"
#include "store/sqlite.h"

namespace derm::store {
namespace {

constexpr const char* kJobColumns =
    "id, spec, state, message, attempts, created_ms, updated_ms, "
    "(SELECT id FROM runs WHERE runs.job_id = jobs.id ORDER BY id LIMIT 1), not_before_ms, "
    "coalesce(sweep_id, 0), submitted_by";

StatusOr<derm::v1::Job> ReadJob(const Statement& s) {
  derm::v1::Job job;
  job.set_id(s.Int(0));
  if (!job.mutable_spec()->ParseFromString(s.Blob(1))) {
    return DataLoss("job " + std::to_string(job.id()) + " has an unreadable spec");
  }
  derm::v1::JobState state = derm::v1::JOB_STATE_UNSPECIFIED;
  derm::v1::JobState_Parse(s.Text(2), &state);
  job.set_state(state);
  job.set_message(s.Text(3));
  job.set_attempts(static_cast<int32_t>(s.Int(4)));
  job.set_created_ms(s.Int(5));
  job.set_updated_ms(s.Int(6));
  job.set_run_id(s.Int(7));
  job.set_not_before_ms(s.Int(8));
  job.set_sweep_id(s.Int(9));
  job.set_submitted_by(s.Text(10));
  return job;
}

}  // namespace

StatusOr<derm::v1::Job> InsertJobRows(Database* db, const derm::v1::JobSpec& spec,
                                      const std::string& idempotency_key, const std::string& submitted_by,
                                      int64_t now_ms, int64_t sweep_id) {
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db->Prepare("INSERT INTO jobs(name, kind, state, priority, max_retries, spec, idempotency_key, "
                    "created_ms, updated_ms, sweep_id, submitted_by) VALUES (?,?,'QUEUED',?,?,?,?,?,?,?,?)"));
    s.Bind(1, spec.name()).Bind(2, spec.kind()).Bind(3, spec.priority()).Bind(4, spec.max_retries());
    s.BindBlob(5, spec.SerializeAsString()).BindOrNull(6, idempotency_key, std::string());
    s.Bind(7, now_ms).Bind(8, now_ms).BindOrNull(9, sweep_id, int64_t{0}).Bind(10, submitted_by);
    Status st = s.Run();
    if (st.code() == StatusCode::kFailedPrecondition && !idempotency_key.empty()) {
      return AlreadyExists("idempotency key " + idempotency_key + " is already used");
    }
    DERM_RETURN_IF_ERROR(st);
  }
  const int64_t job_id = db->LastInsertId();
  int64_t run_id = 0;  // an inference job has no run of its own
  if (KindOf(spec) == JobKind::kTrain) {
    DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("INSERT INTO runs(job_id, name) VALUES (?,?)"));
    DERM_RETURN_IF_ERROR(s.Bind(1, job_id).Bind(2, spec.name()).Run());
    run_id = db->LastInsertId();
    DERM_ASSIGN_OR_RETURN(auto p, db->Prepare("INSERT INTO params(run_id, name, value) VALUES (?,?,?)"));
    for (const auto& [name, value] : FlattenSpec(spec)) {
      DERM_RETURN_IF_ERROR(p.Bind(1, run_id).Bind(2, name).Bind(3, value).Run());
      p.Reset();
    }
  }
  DERM_RETURN_IF_ERROR(InsertEvent(db, job_id, "", derm::v1::QUEUED, "submitted", now_ms));
  derm::v1::Job job;
  job.set_id(job_id);
  job.set_run_id(run_id);
  *job.mutable_spec() = spec;
  job.set_state(derm::v1::QUEUED);
  job.set_created_ms(now_ms);
  job.set_updated_ms(now_ms);
  job.set_sweep_id(sweep_id);
  job.set_submitted_by(submitted_by);
  return job;
}

StatusOr<std::vector<derm::v1::Job>> QueryJobs(Database* db, const std::string& where, int limit,
                                               const std::optional<std::string>& param) {
  DERM_ASSIGN_OR_RETURN(auto s, db->Prepare(std::string("SELECT ") + kJobColumns + " FROM jobs " + where +
                                            " LIMIT " + std::to_string(limit)));
  if (param) s.Bind(1, *param);
  std::vector<derm::v1::Job> jobs;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) -> Status {
    DERM_ASSIGN_OR_RETURN(derm::v1::Job job, ReadJob(row));
    jobs.push_back(std::move(job));
    return Status::Ok();
  }));
  return jobs;
}

}  // namespace derm::store
