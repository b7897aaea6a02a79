#include "store/job_table.h"

#include "store/job_rows.h"
#include "store/sqlite.h"

namespace derm::store {

using derm::v1::Job;

StatusOr<Job> JobTable::Insert(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                               const std::string& submitted_by, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(Job job, InsertJobRows(db_, spec, idempotency_key, submitted_by, now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return job;
}

StatusOr<std::pair<int64_t, std::vector<Job>>> JobTable::InsertSweep(
    const derm::v1::JobSpec& sweep, const std::vector<derm::v1::JobSpec>& points,
    const std::string& idempotency_key, const std::string& submitted_by, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("INSERT INTO sweeps(name, spec, points, created_ms) VALUES (?,?,?,?)"));
  s.Bind(1, sweep.name()).BindBlob(2, sweep.SerializeAsString()).Bind(3, static_cast<int64_t>(points.size()));
  DERM_RETURN_IF_ERROR(s.Bind(4, now_ms).Run());
  const int64_t sweep_id = db_->LastInsertId();
  std::vector<Job> jobs;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string key = idempotency_key.empty() ? "" : idempotency_key + "#" + std::to_string(i);
    DERM_ASSIGN_OR_RETURN(Job job, InsertJobRows(db_, points[i], key, submitted_by, now_ms, sweep_id));
    jobs.push_back(std::move(job));
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return std::make_pair(sweep_id, std::move(jobs));
}

StatusOr<std::vector<JobTable::SubmitResult>> JobTable::InsertBatch(const std::vector<NewJob>& jobs,
                                                                    int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  std::vector<SubmitResult> results;
  for (const NewJob& j : jobs) {
    SubmitResult r{Status(StatusCode::kInternal, "not run"), false};
    if (!j.idempotency_key.empty()) {
      DERM_ASSIGN_OR_RETURN(auto existing, FindByKey(j.idempotency_key));
      if (existing) {
        r.job = std::move(*existing);
        r.deduplicated = true;
        results.push_back(std::move(r));
        continue;
      }
    }
    // A savepoint per job: one job's failure leaves the others of the batch in place.
    DERM_RETURN_IF_ERROR(db_->Exec("SAVEPOINT submit_job"));
    r.job = InsertJobRows(db_, j.spec, j.idempotency_key, j.submitted_by, now_ms);
    DERM_RETURN_IF_ERROR(
        db_->Exec(r.job.ok() ? "RELEASE submit_job" : "ROLLBACK TO submit_job; RELEASE submit_job"));
    results.push_back(std::move(r));
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return results;
}

StatusOr<Job> JobTable::Get(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto jobs, QueryJobs(db_, "WHERE id = " + std::to_string(job_id), 1));
  if (jobs.empty()) return NotFound("job " + std::to_string(job_id) + " does not exist");
  return std::move(jobs.front());
}

StatusOr<std::optional<Job>> JobTable::FindByKey(const std::string& key) {
  DERM_ASSIGN_OR_RETURN(auto jobs, QueryJobs(db_, "WHERE idempotency_key = ?", 1, key));
  if (jobs.empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs.front()));
}

StatusOr<std::vector<Job>> JobTable::List(const std::vector<derm::v1::JobState>& states, int limit) {
  std::string where;
  for (derm::v1::JobState st : states) {
    where += (where.empty() ? "WHERE state IN ('" : ",'") + derm::v1::JobState_Name(st) + "'";
  }
  if (!where.empty()) where += ")";
  return QueryJobs(db_, where + " ORDER BY id DESC", limit <= 0 ? 100 : limit);
}

StatusOr<std::vector<Job>> JobTable::OfSweep(int64_t sweep_id) {
  return QueryJobs(db_, "WHERE sweep_id = " + std::to_string(sweep_id) + " ORDER BY id", 1 << 30);
}

StatusOr<derm::v1::JobSpec> JobTable::SweepSpec(int64_t sweep_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT spec FROM sweeps WHERE id = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, sweep_id).Step());
  derm::v1::JobSpec spec;
  if (!row) return NotFound("sweep " + std::to_string(sweep_id) + " does not exist");
  if (!spec.ParseFromString(s.Blob(0))) return DataLoss("sweep " + std::to_string(sweep_id) + "'s spec");
  return spec;
}

StatusOr<std::vector<Job>> JobTable::Active() {
  return QueryJobs(db_, "WHERE state IN ('QUEUED','RUNNING') ORDER BY id", 1 << 30);
}

}  // namespace derm::store
