#include "store/run_writer.h"

#include "store/evaluation_rows.h"
#include "store/event_log.h"
#include "store/json_text.h"
#include "store/sqlite.h"

namespace derm::store {
namespace {

// One split's per-class metrics and confusion cells, inside the caller's transaction.
Status InsertSplit(Database* db_, int64_t run_id, int32_t epoch, const char* split,
                   const derm::v1::SplitMetrics& m) {
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
  if (m.has_evaluation()) DERM_RETURN_IF_ERROR(InsertEvaluation(db_, run_id, epoch, split, m.evaluation()));
  return Status::Ok();
}

}  // namespace

Status RunWriter::RecordFacts(int64_t run_id, const derm::v1::RunFacts& f, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "UPDATE runs SET class_names = ?, train_images = ?, validation_images = ?, test_images = ?, "
            "dataset_fingerprint = ?, weights = ?, weights_sha256 = ?, device = ?, "
            "started_ms = coalesce(started_ms, ?), backbone_batch = ?, train_groups = ?, validation_groups = "
            "?, "
            "test_groups = ?, group_column = ?, data_warnings = ?, exact_duplicate_pairs = ?, "
            "near_duplicate_pairs = ?, attribute_names = ? WHERE id = ?"));
    s.Bind(1, JsonArray(f.class_names())).Bind(2, f.train_images()).Bind(3, f.validation_images());
    s.Bind(4, f.test_images()).Bind(5, f.dataset_fingerprint()).Bind(6, f.weights());
    s.Bind(7, f.weights_sha256()).Bind(8, f.device()).Bind(9, now_ms);
    s.BindOrNull(10, f.backbone_batch(), int32_t{0});
    // A class-folder run has no groups: NULL, not 0.
    const bool grouped = f.train_groups() > 0;
    s.BindOrNull(11, f.train_groups(), int64_t{0}).BindOrNull(12, f.validation_groups(), int64_t{0});
    s.BindOrNull(13, f.test_groups(), int64_t{0});
    if (grouped) {
      s.Bind(14, f.group_column());
    } else {
      s.BindNull(14);
    }
    s.Bind(15, JsonArray(f.data_warnings()));
    if (f.leakage_checked()) {
      s.Bind(16, f.exact_duplicate_pairs()).Bind(17, f.near_duplicate_pairs());
    } else {
      s.BindNull(16).BindNull(17);  // not checked: unknown, not none
    }
    s.Bind(18, JsonArray(f.attribute_names())).Bind(19, run_id);
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
    DERM_ASSIGN_OR_RETURN(auto del, db_->Prepare("DELETE FROM leaked_pairs WHERE run_id = ?"));
    DERM_RETURN_IF_ERROR(del.Bind(1, run_id).Run());
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("INSERT INTO leaked_pairs(run_id, kind, split_a, path_a, split_b, "
                                       "path_b, distance) VALUES (?,?,?,?,?,?,?)"));
    for (const auto& p : f.leaked_pairs()) {
      s.Bind(1, run_id).Bind(2, p.exact() ? "exact" : "near").Bind(3, p.split_a()).Bind(4, p.path_a());
      DERM_RETURN_IF_ERROR(s.Bind(5, p.split_b()).Bind(6, p.path_b()).Bind(7, p.distance()).Run());
      s.Reset();
    }
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

Status RunWriter::RecordEpoch(int64_t run_id, int64_t attempt_id, const derm::v1::EpochMetrics& m,
                              const std::string& checkpoint, int64_t now_ms) {
  Transaction txn(db_);
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
  DERM_RETURN_IF_ERROR(InsertSplit(db_, run_id, m.epoch(), "validation", m.validation()));
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT job_id FROM runs WHERE id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
    if (!row) return NotFound("run " + std::to_string(run_id) + " does not exist");
    DERM_RETURN_IF_ERROR(InsertEvent(db_, s.Int(0), "RUNNING", derm::v1::RUNNING,
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

Status RunWriter::RecordResult(int64_t run_id, int32_t epoch, const derm::v1::RunResult& result,
                               int64_t now_ms, const std::vector<derm::v1::GateResult>& gates) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(auto g, db_->Prepare("INSERT OR REPLACE INTO gate_results(run_id, gate, name, value, "
                                             "passed, reason) VALUES (?,?,?,?,?,?)"));
  for (size_t i = 0; i < gates.size(); ++i) {
    g.Bind(1, run_id).Bind(2, static_cast<int64_t>(i)).Bind(3, gates[i].gate()).Bind(4, gates[i].value());
    DERM_RETURN_IF_ERROR(g.Bind(5, gates[i].passed() ? 1 : 0).Bind(6, gates[i].reason()).Run());
    g.Reset();
  }
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE runs SET model_epoch = ? WHERE id = ?"));
    DERM_RETURN_IF_ERROR(s.Bind(1, epoch).Bind(2, run_id).Run());
  }
  if (result.has_test()) {
    DERM_ASSIGN_OR_RETURN(
        auto s,
        db_->Prepare(
            "UPDATE runs SET test_loss = ?, test_accuracy = ?, test_balanced_accuracy = ? WHERE id = ?"));
    s.Bind(1, result.test().loss()).Bind(2, result.test().accuracy());
    DERM_RETURN_IF_ERROR(s.Bind(3, result.test().balanced_accuracy()).Bind(4, run_id).Run());
    DERM_RETURN_IF_ERROR(InsertSplit(db_, run_id, epoch, "test", result.test()));
  }
  // Attribute values are stored by the names the run's facts gave, as a JSON object.
  std::vector<std::string> attribute_names;
  {
    DERM_ASSIGN_OR_RETURN(auto n,
                          db_->Prepare("SELECT a.value FROM runs r, json_each(r.attribute_names) a "
                                       "WHERE r.id = ? AND json_valid(r.attribute_names) ORDER BY a.key"));
    n.Bind(1, run_id);
    DERM_RETURN_IF_ERROR(
        ForEachRow(n, [&](const Statement& row) { attribute_names.push_back(row.Text(0)); }));
  }
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("INSERT OR REPLACE INTO predictions(job_id, run_id, split, path, true_class, "
                   "predicted_class, probability, thumbnail, probabilities, attributes) "
                   "VALUES ((SELECT job_id FROM runs WHERE id = ?1), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  for (const auto& p : result.predictions()) {
    s.Bind(1, run_id).Bind(2, p.split()).Bind(3, p.path()).Bind(4, p.true_class());
    s.Bind(5, p.predicted_class()).Bind(6, static_cast<double>(p.probability()));
    if (p.thumbnail().empty()) {
      s.BindNull(7);
    } else {
      s.BindBlob(7, p.thumbnail());
    }
    if (p.probabilities().empty()) {
      s.BindNull(8);
    } else {
      s.Bind(8, JsonArray(p.probabilities(), 9));  // 9 digits: the worker's float32 exactly
    }
    if (p.attributes().empty()) {
      s.BindNull(9);
    } else {
      std::string object = "{";
      for (int i = 0; i < p.attributes_size() && i < static_cast<int>(attribute_names.size()); ++i) {
        object += (i ? "," : "") + JsonQuote(attribute_names[static_cast<size_t>(i)]) + ":" +
                  JsonQuote(p.attributes(i));
      }
      s.Bind(9, object + "}");
    }
    DERM_RETURN_IF_ERROR(s.Run());
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

}  // namespace derm::store
