#include "store/store.h"

#include <cmath>

#include "common/rpc/params.h"
#include "common/strings.h"
#include "store/json_text.h"
#include "store/run_query.h"
#include "store/schema.h"

namespace derm::store {
namespace {

using derm::v1::Job;
using derm::v1::JobState;

constexpr const char* kJobColumns =
    "id, spec, state, message, attempts, created_ms, updated_ms, "
    "(SELECT id FROM runs WHERE runs.job_id = jobs.id ORDER BY id LIMIT 1), not_before_ms, "
    "coalesce(sweep_id, 0)";

StatusOr<Job> ReadJob(const Statement& s) {
  Job job;
  job.set_id(s.Int(0));
  if (!job.mutable_spec()->ParseFromString(s.Blob(1))) {
    return DataLoss("job " + std::to_string(job.id()) + " has an unreadable spec");
  }
  JobState state = derm::v1::JOB_STATE_UNSPECIFIED;
  derm::v1::JobState_Parse(s.Text(2), &state);
  job.set_state(state);
  job.set_message(s.Text(3));
  job.set_attempts(static_cast<int32_t>(s.Int(4)));
  job.set_created_ms(s.Int(5));
  job.set_updated_ms(s.Int(6));
  job.set_run_id(s.Int(7));
  job.set_not_before_ms(s.Int(8));
  job.set_sweep_id(s.Int(9));
  return job;
}

}  // namespace

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  DERM_ASSIGN_OR_RETURN(auto db, Database::Open(path));
  // SQLite opens a file it may not write read-only without a word; every write would then fail.
  if (sqlite3_db_readonly(db->raw(), "main") == 1) {
    return Status(
        StatusCode::kPermissionDenied,
        path + " is read-only (file permissions or a read-only mount); the scheduler must write it");
  }
  {
    DERM_ASSIGN_OR_RETURN(auto check, db->Prepare("PRAGMA quick_check(1)"));
    DERM_ASSIGN_OR_RETURN(bool row, check.Step());
    const std::string verdict = row ? check.Text(0) : "no answer";
    if (verdict != "ok") {
      return DataLoss(path + " failed SQLite's quick_check (" + verdict +
                      "); restore it from a backup or inspect it with sqlite3");
    }
  }
  DERM_RETURN_IF_ERROR(Migrate(db.get()).WithPrefix(path));
  return std::unique_ptr<Store>(new Store(std::move(db), path));
}

Status Store::InsertEvent(int64_t job_id, const std::string& from, JobState to, const std::string& cause,
                          int64_t now_ms, int32_t epoch) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("INSERT INTO events(job_id, time_ms, kind, from_state, to_state, "
                                     "epoch, cause) VALUES (?,?,?,?,?,?,?)"));
  s.Bind(1, job_id).Bind(2, now_ms).Bind(3, epoch ? "epoch" : "state").Bind(5, derm::v1::JobState_Name(to));
  s.Bind(7, cause);
  if (from.empty())
    s.BindNull(4);
  else
    s.Bind(4, from);
  if (epoch)
    s.Bind(6, epoch);
  else
    s.BindNull(6);
  return s.Run();
}

StatusOr<Job> Store::InsertJobRows(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                                   int64_t now_ms, int64_t sweep_id) {
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare("INSERT INTO jobs(name, kind, state, priority, max_retries, spec, idempotency_key, "
                     "created_ms, updated_ms, sweep_id) VALUES (?,?,'QUEUED',?,?,?,?,?,?,?)"));
    s.Bind(1, spec.name()).Bind(2, spec.kind()).Bind(3, spec.priority()).Bind(4, spec.max_retries());
    s.BindBlob(5, spec.SerializeAsString());
    if (idempotency_key.empty())
      s.BindNull(6);
    else
      s.Bind(6, idempotency_key);
    s.Bind(7, now_ms).Bind(8, now_ms);
    if (sweep_id)
      s.Bind(9, sweep_id);
    else
      s.BindNull(9);
    Status st = s.Run();
    if (st.code() == StatusCode::kFailedPrecondition && !idempotency_key.empty()) {
      return AlreadyExists("idempotency key " + idempotency_key + " is already used");
    }
    DERM_RETURN_IF_ERROR(st);
  }
  const int64_t job_id = db_->LastInsertId();
  int64_t run_id = 0;  // an inference job has no run of its own
  if (spec.kind() != "infer") {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("INSERT INTO runs(job_id, name) VALUES (?,?)"));
    DERM_RETURN_IF_ERROR(s.Bind(1, job_id).Bind(2, spec.name()).Run());
    run_id = db_->LastInsertId();
  }
  if (run_id) {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("INSERT INTO params(run_id, name, value) VALUES (?,?,?)"));
    for (const auto& [name, value] : FlattenSpec(spec)) {
      DERM_RETURN_IF_ERROR(s.Bind(1, run_id).Bind(2, name).Bind(3, value).Run());
      s.Reset();
    }
  }
  DERM_RETURN_IF_ERROR(InsertEvent(job_id, "", derm::v1::QUEUED, "submitted", now_ms));
  Job job;
  job.set_id(job_id);
  job.set_run_id(run_id);
  *job.mutable_spec() = spec;
  job.set_state(derm::v1::QUEUED);
  job.set_created_ms(now_ms);
  job.set_updated_ms(now_ms);
  job.set_sweep_id(sweep_id);
  return job;
}

StatusOr<Job> Store::InsertJob(const derm::v1::JobSpec& spec, const std::string& idempotency_key,
                               int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(Job job, InsertJobRows(spec, idempotency_key, now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return job;
}

StatusOr<std::pair<int64_t, std::vector<Job>>> Store::SubmitSweep(
    const derm::v1::JobSpec& sweep, const std::vector<derm::v1::JobSpec>& points,
    const std::string& idempotency_key, int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("INSERT INTO sweeps(name, spec, points, created_ms) VALUES (?,?,?,?)"));
  s.Bind(1, sweep.name()).BindBlob(2, sweep.SerializeAsString()).Bind(3, static_cast<int64_t>(points.size()));
  DERM_RETURN_IF_ERROR(s.Bind(4, now_ms).Run());
  const int64_t sweep_id = db_->LastInsertId();
  std::vector<Job> jobs;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string key = idempotency_key.empty() ? "" : idempotency_key + "#" + std::to_string(i);
    DERM_ASSIGN_OR_RETURN(Job job, InsertJobRows(points[i], key, now_ms, sweep_id));
    jobs.push_back(std::move(job));
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return std::make_pair(sweep_id, std::move(jobs));
}

StatusOr<std::vector<Store::SubmitResult>> Store::SubmitJobs(const std::vector<NewJob>& jobs,
                                                             int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  std::vector<SubmitResult> results;
  for (const NewJob& j : jobs) {
    SubmitResult r{Status(StatusCode::kInternal, "not run"), false};
    if (!j.idempotency_key.empty()) {
      DERM_ASSIGN_OR_RETURN(auto existing, FindJobByKey(j.idempotency_key));
      if (existing) {
        r.job = std::move(*existing);
        r.deduplicated = true;
        results.push_back(std::move(r));
        continue;
      }
    }
    // A savepoint per job: one job's failure leaves the others of the batch in place.
    DERM_RETURN_IF_ERROR(db_->Exec("SAVEPOINT submit_job"));
    r.job = InsertJobRows(j.spec, j.idempotency_key, now_ms);
    DERM_RETURN_IF_ERROR(
        db_->Exec(r.job.ok() ? "RELEASE submit_job" : "ROLLBACK TO submit_job; RELEASE submit_job"));
    results.push_back(std::move(r));
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return results;
}

StatusOr<std::optional<Job>> Store::FindJobByKey(const std::string& key) {
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE idempotency_key = ?"));
  s.Bind(1, key);
  DERM_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Job>();
  DERM_ASSIGN_OR_RETURN(Job job, ReadJob(s));
  return std::optional<Job>(std::move(job));
}

StatusOr<int64_t> Store::InsertWorker(const derm::v1::RegisterWorkerRequest& w, int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("INSERT INTO workers(name, device, gpus, memory_mb, labels, "
                                             "registered_ms, last_seen_ms) VALUES (?,?,?,?,?,?,?)"));
  std::string labels;
  for (const auto& l : w.labels()) labels += (labels.empty() ? "" : ",") + l;
  s.Bind(1, w.name()).Bind(2, w.device()).Bind(3, w.gpus()).Bind(4, w.memory_mb()).Bind(5, labels);
  DERM_RETURN_IF_ERROR(s.Bind(6, now_ms).Bind(7, now_ms).Run());
  return db_->LastInsertId();
}

Status Store::SetWorkerState(int64_t worker_id, derm::v1::WorkerState state) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE workers SET state = ? WHERE id = ?"));
  DERM_RETURN_IF_ERROR(s.Bind(1, derm::v1::WorkerState_Name(state)).Bind(2, worker_id).Run());
  if (db_->Changes() != 1) return NotFound("worker " + std::to_string(worker_id) + " does not exist");
  return Status::Ok();
}

StatusOr<std::vector<derm::v1::WorkerInfo>> Store::ListWorkers() {
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("SELECT id, name, device, gpus, memory_mb, labels, state, registered_ms, last_seen_ms, "
                   "(SELECT job_id FROM attempts a WHERE a.worker_id = workers.id AND a.state = 'RUNNING' "
                   "ORDER BY a.id DESC LIMIT 1) FROM workers ORDER BY id DESC"));
  std::vector<derm::v1::WorkerInfo> workers;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return workers;
    derm::v1::WorkerInfo w;
    w.set_id(s.Int(0));
    w.set_name(s.Text(1));
    w.set_device(s.Text(2));
    w.set_gpus(static_cast<int32_t>(s.Int(3)));
    w.set_memory_mb(s.Int(4));
    for (const auto& label : Split(s.Text(5), ',')) w.add_labels(label);
    derm::v1::WorkerState state = derm::v1::WORKER_STATE_UNSPECIFIED;
    derm::v1::WorkerState_Parse(s.Text(6), &state);
    w.set_state(state);
    w.set_registered_ms(s.Int(7));
    w.set_last_seen_ms(s.Int(8));
    w.set_running_job_id(s.Int(9));
    workers.push_back(std::move(w));
  }
}

Status Store::TouchWorker(int64_t worker_id, int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE workers SET last_seen_ms = ? WHERE id = ?"));
  return s.Bind(1, now_ms).Bind(2, worker_id).Run();
}

StatusOr<int64_t> Store::StartAttempt(int64_t job_id, int64_t worker_id, int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(
        auto s, db_->Prepare("UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, updated_ms = ? "
                             "WHERE id = ? AND state = 'QUEUED'"));
    DERM_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, job_id).Run());
    if (db_->Changes() != 1) {
      return FailedPrecondition("job " + std::to_string(job_id) + " is not QUEUED");
    }
  }
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("INSERT INTO attempts(job_id, worker_id, state, started_ms) VALUES (?,?,'RUNNING',?)"));
  DERM_RETURN_IF_ERROR(s.Bind(1, job_id).Bind(2, worker_id).Bind(3, now_ms).Run());
  const int64_t attempt_id = db_->LastInsertId();
  DERM_RETURN_IF_ERROR(InsertEvent(job_id, "QUEUED", derm::v1::RUNNING,
                                   "leased by worker " + std::to_string(worker_id), now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return attempt_id;
}

Status Store::EndAttempt(int64_t job_id, int64_t attempt_id, const std::string& attempt_state,
                         JobState job_state, const std::string& cause, int64_t now_ms,
                         int64_t not_before_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_RETURN_IF_ERROR(
      EndAttemptRows(job_id, attempt_id, attempt_state, job_state, cause, now_ms, not_before_ms));
  return txn.Commit();
}

Status Store::EndAttemptRows(int64_t job_id, int64_t attempt_id, const std::string& attempt_state,
                             JobState job_state, const std::string& cause, int64_t now_ms,
                             int64_t not_before_ms) {
  if (attempt_id != 0) {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "UPDATE attempts SET state = ?, cause = ?, ended_ms = ? WHERE id = ? AND state = 'RUNNING'"));
    DERM_RETURN_IF_ERROR(s.Bind(1, attempt_state).Bind(2, cause).Bind(3, now_ms).Bind(4, attempt_id).Run());
  }
  std::string from;
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT state FROM jobs WHERE id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Step());
    if (!row) return NotFound("job " + std::to_string(job_id) + " does not exist");
    from = s.Text(0);
  }
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "UPDATE jobs SET state = ?, message = ?, updated_ms = ?, not_before_ms = ? WHERE id = ?"));
    const std::string message = job_state == derm::v1::SUCCEEDED ? "" : cause;
    s.Bind(1, derm::v1::JobState_Name(job_state)).Bind(2, message).Bind(3, now_ms).Bind(4, not_before_ms);
    DERM_RETURN_IF_ERROR(s.Bind(5, job_id).Run());
  }
  if (job_state != derm::v1::QUEUED && job_state != derm::v1::RUNNING) {
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("UPDATE runs SET ended_ms = ? WHERE job_id = ? AND ended_ms IS NULL"));
    DERM_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, job_id).Run());
  }
  return InsertEvent(job_id, from, job_state, cause, now_ms);
}

Status Store::RecordFacts(int64_t run_id, const derm::v1::RunFacts& f, int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "UPDATE runs SET class_names = ?, train_images = ?, validation_images = ?, test_images = ?, "
            "dataset_fingerprint = ?, weights = ?, weights_sha256 = ?, device = ?, "
            "started_ms = coalesce(started_ms, ?) WHERE id = ?"));
    s.Bind(1, JsonArray(f.class_names())).Bind(2, f.train_images()).Bind(3, f.validation_images());
    s.Bind(4, f.test_images()).Bind(5, f.dataset_fingerprint()).Bind(6, f.weights());
    s.Bind(7, f.weights_sha256()).Bind(8, f.device()).Bind(9, now_ms).Bind(10, run_id);
    DERM_RETURN_IF_ERROR(s.Run());
  }
  if (!f.dataset_fingerprint().empty()) {
    DERM_ASSIGN_OR_RETURN(
        auto s, db_->Prepare("INSERT OR IGNORE INTO datasets(fingerprint, class_names, train_images, "
                             "validation_images, test_images, first_seen_ms) VALUES (?,?,?,?,?,?)"));
    s.Bind(1, f.dataset_fingerprint()).Bind(2, JsonArray(f.class_names())).Bind(3, f.train_images());
    DERM_RETURN_IF_ERROR(s.Bind(4, f.validation_images()).Bind(5, f.test_images()).Bind(6, now_ms).Run());
  }
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("INSERT OR REPLACE INTO params(run_id, name, value) VALUES "
                                               "(?, 'model.standardize_features', ?)"));
    DERM_RETURN_IF_ERROR(s.Bind(1, run_id).Bind(2, f.standardize_features() ? "true" : "false").Run());
  }
  {
    DERM_ASSIGN_OR_RETURN(auto del, db_->Prepare("DELETE FROM skipped_files WHERE run_id = ?"));
    DERM_RETURN_IF_ERROR(del.Bind(1, run_id).Run());
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("INSERT INTO skipped_files(job_id, run_id, path, reason) "
                                       "VALUES ((SELECT job_id FROM runs WHERE id = ?1), ?1, ?2, ?3)"));
    for (const auto& sk : f.skipped()) {
      DERM_RETURN_IF_ERROR(s.Bind(1, run_id).Bind(2, sk.path()).Bind(3, sk.reason()).Run());
      s.Reset();
    }
  }
  return txn.Commit();
}

Status Store::InsertSplit(int64_t run_id, int32_t epoch, const char* split, const derm::v1::SplitMetrics& m) {
  DERM_ASSIGN_OR_RETURN(
      auto cm,
      db_->Prepare("INSERT OR REPLACE INTO class_metrics(run_id, epoch, split, class_index, class_name, "
                   "precision, recall, f1, support) VALUES (?,?,?,?,?,?,?,?,?)"));
  for (int i = 0; i < m.per_class_size(); ++i) {
    const auto& c = m.per_class(i);
    cm.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Bind(4, i).Bind(5, c.class_name());
    DERM_RETURN_IF_ERROR(
        cm.Bind(6, c.precision()).Bind(7, c.recall()).Bind(8, c.f1()).Bind(9, c.support()).Run());
    cm.Reset();
  }
  const int n = m.confusion().class_names_size();
  if (m.confusion().counts_size() != n * n) {
    return InvalidArgument("confusion matrix has " + std::to_string(m.confusion().counts_size()) +
                           " counts for " + std::to_string(n) + " classes");
  }
  DERM_ASSIGN_OR_RETURN(
      auto cc,
      db_->Prepare(
          "INSERT OR REPLACE INTO confusion_cells(run_id, epoch, split, true_class, pred_class, count) "
          "VALUES (?,?,?,?,?,?)"));
  for (int t = 0; t < n; ++t) {
    for (int p = 0; p < n; ++p) {
      cc.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Bind(4, t).Bind(5, p);
      DERM_RETURN_IF_ERROR(cc.Bind(6, m.confusion().counts(t * n + p)).Run());
      cc.Reset();
    }
  }
  return Status::Ok();
}

Status Store::RecordEpoch(int64_t run_id, int64_t attempt_id, const derm::v1::EpochMetrics& m,
                          const std::string& checkpoint, int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "INSERT OR REPLACE INTO epoch_metrics(run_id, epoch, attempt_id, loss, accuracy, val_loss, "
            "val_accuracy, val_balanced_accuracy, seconds, images_per_second) VALUES (?,?,?,?,?,?,?,?,?,?)"));
    s.Bind(1, run_id).Bind(2, m.epoch()).Bind(3, attempt_id).Bind(4, m.loss()).Bind(5, m.accuracy());
    s.Bind(6, m.validation().loss()).Bind(7, m.validation().accuracy());
    s.Bind(8, m.validation().balanced_accuracy()).Bind(9, m.seconds()).Bind(10, m.images_per_second());
    DERM_RETURN_IF_ERROR(s.Run());
  }
  DERM_RETURN_IF_ERROR(InsertSplit(run_id, m.epoch(), "validation", m.validation()));
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT job_id FROM runs WHERE id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
    if (!row) return NotFound("run " + std::to_string(run_id) + " does not exist");
    DERM_RETURN_IF_ERROR(InsertEvent(s.Int(0), "RUNNING", derm::v1::RUNNING,
                                     "epoch " + std::to_string(m.epoch()), now_ms, m.epoch()));
  }
  if (!checkpoint.empty()) {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare("INSERT OR REPLACE INTO artifacts(run_id, kind, epoch, attempt_id, bytes, created_ms) "
                     "VALUES (?, 'checkpoint', ?, ?, ?, ?)"));
    s.Bind(1, run_id).Bind(2, m.epoch()).Bind(3, attempt_id).BindBlob(4, checkpoint).Bind(5, now_ms);
    DERM_RETURN_IF_ERROR(s.Run());
  }
  return txn.Commit();
}

Status Store::RecordResult(int64_t run_id, int32_t epoch, const derm::v1::RunResult& result, int64_t now_ms) {
  Transaction txn(db_.get());
  DERM_RETURN_IF_ERROR(txn.status());
  if (result.has_test()) {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "UPDATE runs SET test_loss = ?, test_accuracy = ?, test_balanced_accuracy = ? WHERE id = ?"));
    s.Bind(1, result.test().loss()).Bind(2, result.test().accuracy());
    DERM_RETURN_IF_ERROR(s.Bind(3, result.test().balanced_accuracy()).Bind(4, run_id).Run());
    DERM_RETURN_IF_ERROR(InsertSplit(run_id, epoch, "test", result.test()));
  }
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare("INSERT OR REPLACE INTO predictions(job_id, run_id, split, path, true_class, "
                           "predicted_class, probability) "
                           "VALUES ((SELECT job_id FROM runs WHERE id = ?1), ?1, ?2, ?3, ?4, ?5, ?6)"));
  for (const auto& p : result.predictions()) {
    s.Bind(1, run_id).Bind(2, p.split()).Bind(3, p.path()).Bind(4, p.true_class());
    DERM_RETURN_IF_ERROR(s.Bind(5, p.predicted_class()).Bind(6, static_cast<double>(p.probability())).Run());
    s.Reset();
  }
  if (!result.model().empty()) {
    DERM_ASSIGN_OR_RETURN(
        auto m,
        db_->Prepare("INSERT OR REPLACE INTO artifacts(run_id, kind, epoch, attempt_id, bytes, created_ms) "
                     "SELECT ?1, 'model', ?2, attempt_id, ?3, ?4 FROM artifacts "
                     "WHERE run_id = ?1 AND kind = 'checkpoint' AND epoch = ?2"));
    DERM_RETURN_IF_ERROR(m.Bind(1, run_id).Bind(2, epoch).BindBlob(3, result.model()).Bind(4, now_ms).Run());
  }
  return txn.Commit();
}

StatusOr<std::vector<Job>> Store::QueryJobs(const std::string& where, int limit) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kJobColumns + " FROM jobs " + where +
                                             " LIMIT " + std::to_string(limit)));
  std::vector<Job> jobs;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    DERM_ASSIGN_OR_RETURN(Job job, ReadJob(s));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

StatusOr<Job> Store::GetJob(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto jobs, QueryJobs("WHERE id = " + std::to_string(job_id), 1));
  if (jobs.empty()) return NotFound("job " + std::to_string(job_id) + " does not exist");
  return std::move(jobs.front());
}

StatusOr<std::vector<Job>> Store::ListJobs(const std::vector<JobState>& states, int limit) {
  std::string where;
  for (JobState st : states) {
    where += (where.empty() ? "WHERE state IN ('" : ",'") + derm::v1::JobState_Name(st) + "'";
  }
  if (!where.empty()) where += ")";
  return QueryJobs(where + " ORDER BY id DESC", limit <= 0 ? 100 : limit);
}

StatusOr<std::vector<Job>> Store::SweepJobs(int64_t sweep_id) {
  return QueryJobs("WHERE sweep_id = " + std::to_string(sweep_id) + " ORDER BY id", 1 << 30);
}

StatusOr<std::vector<Job>> Store::ActiveJobs() {
  return QueryJobs("WHERE state IN ('QUEUED','RUNNING') ORDER BY id", 1 << 30);
}

StatusOr<std::vector<Store::RunningAttempt>> Store::RunningAttempts(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT id, coalesce(shard, -1) FROM attempts "
                                             "WHERE job_id = ? AND state = 'RUNNING' ORDER BY id"));
  s.Bind(1, job_id);
  std::vector<RunningAttempt> out;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back({s.Int(0), static_cast<int32_t>(s.Int(1))});
  }
}

StatusOr<std::vector<StoredEvent>> Store::Events(int64_t job_id, int64_t after_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT id, time_ms, kind, to_state, epoch, cause FROM events "
                                             "WHERE job_id = ? AND id > ? ORDER BY id"));
  s.Bind(1, job_id).Bind(2, after_id);
  std::vector<StoredEvent> events;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return events;
    StoredEvent e;
    e.id = s.Int(0);
    e.time_ms = s.Int(1);
    e.is_epoch = s.Text(2) == "epoch";
    derm::v1::JobState_Parse(s.Text(3), &e.to);
    e.epoch = static_cast<int32_t>(s.Int(4));
    e.cause = s.Text(5);
    events.push_back(std::move(e));
  }
}

StatusOr<derm::v1::SplitMetrics> Store::LoadSplit(int64_t run_id, int32_t epoch, const char* split) {
  derm::v1::SplitMetrics m;
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT class_name, precision, recall, f1, support FROM class_metrics "
                                     "WHERE run_id = ? AND epoch = ? AND split = ? ORDER BY class_index"));
  s.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    auto* c = m.add_per_class();
    c->set_class_name(s.Text(0));
    c->set_precision(s.Double(1));
    c->set_recall(s.Double(2));
    c->set_f1(s.Double(3));
    c->set_support(s.Int(4));
    m.mutable_confusion()->add_class_names(s.Text(0));
  }
  DERM_ASSIGN_OR_RETURN(
      auto cc, db_->Prepare("SELECT count FROM confusion_cells WHERE run_id = ? AND epoch = ? AND split = ? "
                            "ORDER BY true_class, pred_class"));
  cc.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, cc.Step());
    if (!row) break;
    m.mutable_confusion()->add_counts(cc.Int(0));
  }
  return m;
}

StatusOr<std::vector<derm::v1::EpochMetrics>> Store::Epochs(int64_t run_id, int32_t after_epoch,
                                                            int32_t last_epoch) {
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("SELECT epoch, loss, accuracy, val_loss, val_accuracy, val_balanced_accuracy, seconds, "
                   "images_per_second FROM epoch_metrics WHERE run_id = ? AND epoch > ? AND epoch <= ? "
                   "ORDER BY epoch"));
  s.Bind(1, run_id).Bind(2, after_epoch).Bind(3, last_epoch);
  std::vector<derm::v1::EpochMetrics> epochs;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    derm::v1::EpochMetrics m;
    m.set_epoch(static_cast<int32_t>(s.Int(0)));
    m.set_loss(s.Double(1));
    m.set_accuracy(s.Double(2));
    DERM_ASSIGN_OR_RETURN(*m.mutable_validation(), LoadSplit(run_id, m.epoch(), "validation"));
    m.mutable_validation()->set_loss(s.Double(3));
    m.mutable_validation()->set_accuracy(s.Double(4));
    m.mutable_validation()->set_balanced_accuracy(s.Double(5));
    m.set_seconds(s.Double(6));
    m.set_images_per_second(s.Double(7));
    epochs.push_back(std::move(m));
  }
  return epochs;
}

StatusOr<std::optional<Checkpoint>> Store::LatestCheckpoint(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare("SELECT epoch, bytes FROM artifacts WHERE run_id = ? AND kind = 'checkpoint' "
                           "ORDER BY epoch DESC LIMIT 1"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(Checkpoint{static_cast<int32_t>(s.Int(0)), s.Blob(1)});
}

StatusOr<derm::v1::RunReport> Store::GetRun(int64_t run_id) {
  derm::v1::RunReport report;
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare(
          "SELECT r.job_id, r.name, j.state, r.train_images, r.validation_images, r.test_images, "
          "r.dataset_fingerprint, r.weights, r.weights_sha256, r.device, r.test_loss, r.test_accuracy, "
          "r.test_balanced_accuracy FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return NotFound("run " + std::to_string(run_id) + " does not exist");
  report.set_run_id(run_id);
  report.set_job_id(s.Int(0));
  report.set_name(s.Text(1));
  JobState state = derm::v1::JOB_STATE_UNSPECIFIED;
  derm::v1::JobState_Parse(s.Text(2), &state);
  report.set_state(state);
  auto* f = report.mutable_facts();
  f->set_train_images(s.Int(3));
  f->set_validation_images(s.Int(4));
  f->set_test_images(s.Int(5));
  f->set_dataset_fingerprint(s.Text(6));
  f->set_weights(s.Text(7));
  f->set_weights_sha256(s.Text(8));
  f->set_device(s.Text(9));
  const bool has_test = !s.IsNull(11);
  const double test_loss = s.Double(10), test_acc = s.Double(11), test_bal = s.Double(12);

  DERM_ASSIGN_OR_RETURN(auto p, db_->Prepare("SELECT name, value FROM params WHERE run_id = ?"));
  p.Bind(1, run_id);
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool prow, p.Step());
    if (!prow) break;
    (*report.mutable_params())[p.Text(0)] = p.Text(1);
  }
  DERM_ASSIGN_OR_RETURN(auto epochs, Epochs(run_id, 0));
  for (auto& e : epochs) *report.add_epochs() = std::move(e);
  if (!report.epochs().empty()) {
    for (const auto& name : report.epochs().rbegin()->validation().confusion().class_names()) {
      f->add_class_names(name);
    }
  }
  if (has_test) {
    const int32_t last = report.epochs().empty() ? 0 : report.epochs().rbegin()->epoch();
    DERM_ASSIGN_OR_RETURN(*report.mutable_result()->mutable_test(), LoadSplit(run_id, last, "test"));
    auto* t = report.mutable_result()->mutable_test();
    t->set_loss(test_loss);
    t->set_accuracy(test_acc);
    t->set_balanced_accuracy(test_bal);
  }
  DERM_ASSIGN_OR_RETURN(auto sk, db_->Prepare("SELECT path, reason FROM skipped_files WHERE run_id = ?"));
  sk.Bind(1, run_id);
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool srow, sk.Step());
    if (!srow) break;
    auto* k = f->add_skipped();
    k->set_path(sk.Text(0));
    k->set_reason(sk.Text(1));
  }
  return report;
}

StatusOr<std::vector<derm::v1::Prediction>> Store::Predictions(int64_t run_id, const std::string& split) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT path, true_class, predicted_class, probability FROM predictions "
                                     "WHERE run_id = ? AND split = ? ORDER BY path"));
  s.Bind(1, run_id).Bind(2, split);
  std::vector<derm::v1::Prediction> out;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    derm::v1::Prediction p;
    p.set_split(split);
    p.set_path(s.Text(0));
    p.set_true_class(static_cast<int32_t>(s.Int(1)));
    p.set_predicted_class(static_cast<int32_t>(s.Int(2)));
    p.set_probability(static_cast<float>(s.Double(3)));
    out.push_back(std::move(p));
  }
}

StatusOr<std::vector<derm::v1::RunSummary>> Store::ListRuns(const std::string& filter,
                                                            const std::string& order_by, int limit,
                                                            int64_t offset) {
  DERM_ASSIGN_OR_RETURN(CompiledRunQuery q, CompileRunQuery(filter, order_by));
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare(
          "SELECT rs.run_id, rs.job_id, rs.name, rs.state, rs.learning_rate, rs.batch_size, rs.epochs, "
          "rs.dropout, rs.epochs_done, rs.final_val_accuracy, rs.final_val_loss, rs.best_val_accuracy, "
          "rs.best_epoch, rs.test_accuracy, rs.dataset_fingerprint, rs.weights, rs.duration_s, "
          "coalesce(rs.sweep_id, 0) "
          "FROM run_summary rs " +
          q.where + " " + q.order_by + " LIMIT ? OFFSET ?"));
  int i = 1;
  for (const auto& b : q.binds) {
    if (b.is_number) {
      s.Bind(i++, b.number);
    } else {
      s.Bind(i++, b.text);
    }
  }
  s.Bind(i, limit);
  s.Bind(i + 1, offset);
  std::vector<derm::v1::RunSummary> runs;
  while (true) {
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return runs;
    derm::v1::RunSummary r;
    r.set_run_id(s.Int(0));
    r.set_job_id(s.Int(1));
    r.set_name(s.Text(2));
    JobState state = derm::v1::JOB_STATE_UNSPECIFIED;
    derm::v1::JobState_Parse(s.Text(3), &state);
    r.set_state(state);
    const char* keys[4] = {"train.learning_rate", "train.batch_size", "train.epochs", "model.dropout"};
    for (int k = 0; k < 4; ++k) {
      if (!s.IsNull(4 + k)) (*r.mutable_params())[keys[k]] = s.Text(4 + k);
    }
    r.set_epochs_done(static_cast<int32_t>(s.Int(8)));
    r.set_final_val_accuracy(s.Double(9));
    r.set_final_val_loss(s.Double(10));
    r.set_best_val_accuracy(s.Double(11));
    r.set_best_epoch(static_cast<int32_t>(s.Int(12)));
    r.set_test_accuracy(s.IsNull(13) ? std::nan("") : s.Double(13));
    r.set_dataset_fingerprint(s.Text(14));
    r.set_weights(s.Text(15));
    r.set_duration_s(s.Double(16));
    r.set_sweep_id(s.Int(17));
    runs.push_back(std::move(r));
  }
}

}  // namespace derm::store
