#include "store/shard_table.h"

#include "common/strings.h"
#include "store/attempt_table.h"
#include "store/event_log.h"
#include "store/job_rows.h"
#include "store/json_text.h"
#include "store/sqlite.h"

namespace derm::store {
namespace {

// [["name", p], ...] for the prediction's top classes.
std::string TopK(const derm::v1::InferPrediction& p, const derm::v1::ShardResult& r) {
  std::string out = "[";
  for (int i = 0; i < p.top_classes_size(); ++i) {
    out += std::string(i ? "," : "") + "[" + JsonQuote(r.class_names(p.top_classes(i))) + "," +
           FormatG(p.top_probabilities(i), 6) + "]";
  }
  return out + "]";
}

// INVALID_ARGUMENT when a prediction's class indexes do not fit the result's class names.
Status CheckResult(const derm::v1::ShardResult& r) {
  const int classes = r.class_names_size();
  for (const auto& p : r.predictions()) {
    if (p.top_classes_size() == 0 || p.top_classes_size() != p.top_probabilities_size())
      return InvalidArgument("prediction for " + p.path() + " has no top classes");
    for (int c : p.top_classes()) {
      if (c < 0 || c >= classes)
        return InvalidArgument("prediction for " + p.path() + " names class " + std::to_string(c));
    }
    if (p.probabilities_size() != 0 && p.probabilities_size() != classes)
      return InvalidArgument("prediction for " + p.path() + " has the wrong number of probabilities");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<derm::v1::Job> ShardTable::InsertJob(const derm::v1::JobSpec& spec,
                                              const std::string& idempotency_key,
                                              const std::string& submitted_by,
                                              const std::vector<std::vector<std::string>>& shards,
                                              int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(derm::v1::Job job, InsertJobRows(db_, spec, idempotency_key, submitted_by, now_ms));
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("INSERT INTO shards(job_id, shard, inputs, images) VALUES (?,?,?,?)"));
  for (size_t i = 0; i < shards.size(); ++i) {
    std::string inputs;
    for (const auto& p : shards[i]) inputs += (inputs.empty() ? "" : "\n") + p;
    s.Bind(1, job.id()).Bind(2, static_cast<int64_t>(i)).Bind(3, inputs);
    DERM_RETURN_IF_ERROR(s.Bind(4, static_cast<int64_t>(shards[i].size())).Run());
    s.Reset();
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return job;
}

StatusOr<int64_t> ShardTable::StartAttempt(int64_t job_id, int32_t shard, int64_t worker_id, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT state FROM jobs WHERE id = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, st.Bind(1, job_id).Step());
  if (!row) return NotFound("job " + std::to_string(job_id) + " does not exist");
  const std::string from = st.Text(0);
  if (from != "QUEUED" && from != "RUNNING")
    return FailedPrecondition("job " + std::to_string(job_id) + " is " + from);
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, "
                                               "updated_ms = ? WHERE id = ?"));
    DERM_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, job_id).Run());
  }
  DERM_ASSIGN_OR_RETURN(auto a,
                        db_->Prepare("INSERT INTO attempts(job_id, worker_id, state, started_ms, shard) "
                                     "VALUES (?,?,'RUNNING',?,?)"));
  DERM_RETURN_IF_ERROR(a.Bind(1, job_id).Bind(2, worker_id).Bind(3, now_ms).Bind(4, shard).Run());
  const int64_t attempt_id = db_->LastInsertId();
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE shards SET state = 'RUNNING', attempt_id = ?, "
                                               "attempts = attempts + 1 "
                                               "WHERE job_id = ? AND shard = ? AND state = 'QUEUED'"));
    DERM_RETURN_IF_ERROR(s.Bind(1, attempt_id).Bind(2, job_id).Bind(3, shard).Run());
    if (db_->Changes() != 1)
      return FailedPrecondition("shard " + std::to_string(shard) + " of job " + std::to_string(job_id) +
                                " is not QUEUED");
  }
  DERM_RETURN_IF_ERROR(InsertEvent(
      db_, job_id, from, derm::v1::RUNNING,
      "shard " + std::to_string(shard) + " leased by worker " + std::to_string(worker_id), now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return attempt_id;
}

StatusOr<int32_t> ShardTable::Requeue(int64_t job_id, int32_t shard, int64_t attempt_id,
                                      AttemptState attempt_state, const std::string& cause, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_RETURN_IF_ERROR(EndAttemptRow(db_, attempt_id, attempt_state, cause, now_ms));
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE shards SET state = 'QUEUED', attempt_id = NULL "
                                               "WHERE job_id = ? AND shard = ? AND state = 'RUNNING'"));
    DERM_RETURN_IF_ERROR(s.Bind(1, job_id).Bind(2, shard).Run());
  }
  DERM_ASSIGN_OR_RETURN(
      auto q,
      db_->Prepare("SELECT s.attempts - (SELECT count(*) FROM attempts a WHERE a.job_id = s.job_id AND "
                   "a.shard = s.shard AND a.state = 'PREEMPTED') FROM shards s WHERE s.job_id = ? AND "
                   "s.shard = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, q.Bind(1, job_id).Bind(2, shard).Step());
  if (!row) return NotFound("job " + std::to_string(job_id) + " has no shard " + std::to_string(shard));
  const int32_t attempts = static_cast<int32_t>(q.Int(0));
  DERM_RETURN_IF_ERROR(InsertEvent(db_, job_id, "RUNNING", derm::v1::RUNNING,
                                   "shard " + std::to_string(shard) + " re-queued: " + cause, now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return attempts;
}

Status ShardTable::Complete(int64_t job_id, int32_t shard, int64_t attempt_id, int64_t run_id,
                            const derm::v1::ShardResult& r, int64_t now_ms) {
  DERM_RETURN_IF_ERROR(CheckResult(r).WithPrefix("shard " + std::to_string(shard)));
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT model_sha256 FROM shards WHERE job_id = ? AND "
                                               "state = 'SUCCEEDED' AND model_sha256 != ? LIMIT 1"));
    DERM_ASSIGN_OR_RETURN(bool other, s.Bind(1, job_id).Bind(2, r.model_sha256()).Step());
    if (other) {
      return FailedPrecondition("the model changed during the job: shard " + std::to_string(shard) +
                                " used a model with SHA-256 " + r.model_sha256() + ", earlier shards " +
                                s.Text(0));
    }
  }
  DERM_ASSIGN_OR_RETURN(
      auto p, db_->Prepare("INSERT INTO predictions(job_id, run_id, split, path, sha256, predicted_class, "
                           "predicted_name, probability, top_k, probabilities, features, shard) "
                           "VALUES (?,?,'infer',?,?,?,?,?,?,?,?,?)"));
  for (const auto& x : r.predictions()) {
    p.Bind(1, job_id).BindOrNull(2, run_id, int64_t{0});
    p.Bind(3, x.path())
        .Bind(4, x.sha256())
        .Bind(5, x.top_classes(0))
        .Bind(6, r.class_names(x.top_classes(0)));
    p.Bind(7, static_cast<double>(x.top_probabilities(0))).Bind(8, TopK(x, r));
    if (x.probabilities_size()) {
      p.Bind(9, JsonArray(x.probabilities(), 6));
    } else {
      p.BindNull(9);
    }
    if (x.features().empty()) {
      p.BindNull(10);
    } else {
      p.BindBlob(10, x.features());
    }
    DERM_RETURN_IF_ERROR(p.Bind(11, shard).Run().WithPrefix(x.path()));
    p.Reset();
  }
  DERM_ASSIGN_OR_RETURN(
      auto e, db_->Prepare("INSERT INTO skipped_files(job_id, run_id, path, reason) VALUES (?, NULL, ?, ?)"));
  for (const auto& x : r.errors()) {
    DERM_RETURN_IF_ERROR(e.Bind(1, job_id).Bind(2, x.path()).Bind(3, x.reason()).Run());
    e.Reset();
  }
  DERM_RETURN_IF_ERROR(EndAttemptRow(db_, attempt_id, AttemptState::kSucceeded, "completed", now_ms));
  {
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("UPDATE shards SET state = 'SUCCEEDED', predictions = ?, errors = ?, "
                                       "model_sha256 = ?, class_names = ? "
                                       "WHERE job_id = ? AND shard = ? AND attempt_id = ?"));
    s.Bind(1, r.predictions_size()).Bind(2, r.errors_size()).Bind(3, r.model_sha256());
    DERM_RETURN_IF_ERROR(
        s.Bind(4, JsonArray(r.class_names())).Bind(5, job_id).Bind(6, shard).Bind(7, attempt_id).Run());
    if (db_->Changes() != 1)
      return FailedPrecondition("attempt " + std::to_string(attempt_id) + " does not hold shard " +
                                std::to_string(shard));
  }
  DERM_RETURN_IF_ERROR(InsertEvent(db_, job_id, "RUNNING", derm::v1::RUNNING,
                                   "shard " + std::to_string(shard) +
                                       " done: " + std::to_string(r.predictions_size()) + " predictions, " +
                                       std::to_string(r.errors_size()) + " errors",
                                   now_ms));
  return txn.Commit();
}

StatusOr<ShardTotals> ShardTable::Totals(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("SELECT count(*), coalesce(sum(state = 'SUCCEEDED'), 0), coalesce(sum(images), 0), "
                   "coalesce(sum(CASE WHEN state = 'SUCCEEDED' THEN images END), 0), "
                   "coalesce(sum(errors), 0) FROM shards WHERE job_id = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Step());
  ShardTotals t;
  if (!row) return t;
  t.shards = static_cast<int32_t>(s.Int(0));
  t.shards_done = static_cast<int32_t>(s.Int(1));
  t.images = s.Int(2);
  t.images_done = s.Int(3);
  t.errors = s.Int(4);
  return t;
}

StatusOr<std::vector<int32_t>> ShardTable::Queued(int64_t job_id) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT shard FROM shards WHERE job_id = ? AND state = 'QUEUED' "
                                             "ORDER BY shard"));
  std::vector<int32_t> out;
  DERM_RETURN_IF_ERROR(ForEachRow(
      s.Bind(1, job_id), [&](const Statement& row) { out.push_back(static_cast<int32_t>(row.Int(0))); }));
  return out;
}

StatusOr<std::vector<std::string>> ShardTable::Inputs(int64_t job_id, int32_t shard) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT inputs FROM shards WHERE job_id = ? AND shard = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, job_id).Bind(2, shard).Step());
  if (!row) return NotFound("job " + std::to_string(job_id) + " has no shard " + std::to_string(shard));
  return Split(s.Text(0), '\n');
}

StatusOr<std::vector<std::string>> ShardTable::Errors(int64_t job_id, int limit) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT path, reason FROM skipped_files WHERE job_id = ? "
                                             "ORDER BY path LIMIT ?"));
  std::vector<std::string> out;
  DERM_RETURN_IF_ERROR(ForEachRow(s.Bind(1, job_id).Bind(2, limit), [&](const Statement& row) {
    out.push_back(row.Text(0) + ": " + row.Text(1));
  }));
  return out;
}

}  // namespace derm::store
