#include "store/run_reader.h"

#include <cmath>
#include <map>

#include "store/evaluation_rows.h"
#include "store/run_query.h"
#include "store/sqlite.h"

namespace derm::store {

using derm::v1::JobState;

namespace {

// The split's clinical evaluation, when it has one (not runs from before schema 7).
Status AddEvaluation(Database* db, int64_t run_id, int32_t epoch, const char* split,
                     derm::v1::SplitMetrics* m) {
  DERM_RETURN_IF_ERROR(LoadEvaluation(db, run_id, epoch, split, m->mutable_evaluation()));
  if (m->evaluation().per_class_size() == 0) m->clear_evaluation();
  return Status::Ok();
}

}  // namespace

StatusOr<derm::v1::SplitMetrics> RunReader::LoadSplit(int64_t run_id, int32_t epoch, const char* split,
                                                      bool evaluation) {
  derm::v1::SplitMetrics m;
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT class_name, precision, recall, f1, support FROM class_metrics "
                                     "WHERE run_id = ? AND epoch = ? AND split = ? ORDER BY class_index"));
  s.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    auto* c = m.add_per_class();
    c->set_class_name(row.Text(0));
    c->set_precision(row.Double(1));
    c->set_recall(row.Double(2));
    c->set_f1(row.Double(3));
    c->set_support(row.Int(4));
    m.mutable_confusion()->add_class_names(row.Text(0));
  }));
  DERM_ASSIGN_OR_RETURN(
      auto cc, db_->Prepare("SELECT count FROM confusion_cells WHERE run_id = ? AND epoch = ? AND split = ? "
                            "ORDER BY true_class, pred_class"));
  cc.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_RETURN_IF_ERROR(
      ForEachRow(cc, [&](const Statement& row) { m.mutable_confusion()->add_counts(row.Int(0)); }));
  if (evaluation) {
    DERM_RETURN_IF_ERROR(AddEvaluation(db_, run_id, epoch, split, &m));
  }
  return m;
}

StatusOr<std::vector<derm::v1::EpochMetrics>> RunReader::Epochs(int64_t run_id, int32_t after_epoch,
                                                                int32_t last_epoch, bool evaluations) {
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("SELECT epoch, loss, accuracy, val_loss, val_accuracy, val_balanced_accuracy, seconds, "
                   "images_per_second FROM epoch_metrics WHERE run_id = ? AND epoch > ? AND epoch <= ? "
                   "ORDER BY epoch"));
  s.Bind(1, run_id).Bind(2, after_epoch).Bind(3, last_epoch);
  std::vector<derm::v1::EpochMetrics> epochs;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) -> Status {
    derm::v1::EpochMetrics m;
    m.set_epoch(static_cast<int32_t>(row.Int(0)));
    m.set_loss(row.Double(1));
    m.set_accuracy(row.Double(2));
    DERM_ASSIGN_OR_RETURN(*m.mutable_validation(), LoadSplit(run_id, m.epoch(), "validation", evaluations));
    m.mutable_validation()->set_loss(row.Double(3));
    m.mutable_validation()->set_accuracy(row.Double(4));
    m.mutable_validation()->set_balanced_accuracy(row.Double(5));
    m.set_seconds(row.Double(6));
    m.set_images_per_second(row.Double(7));
    epochs.push_back(std::move(m));
    return Status::Ok();
  }));
  return epochs;
}

StatusOr<std::optional<Checkpoint>> RunReader::LatestCheckpoint(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare("SELECT epoch, bytes FROM artifacts WHERE run_id = ? AND kind = 'checkpoint' "
                           "ORDER BY epoch DESC LIMIT 1"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(Checkpoint{static_cast<int32_t>(s.Int(0)), s.Blob(1)});
}

StatusOr<derm::v1::RunReport> RunReader::Get(int64_t run_id) {
  derm::v1::RunReport report;
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare(
          "SELECT r.job_id, r.name, j.state, r.train_images, r.validation_images, r.test_images, "
          "r.dataset_fingerprint, r.weights, r.weights_sha256, r.device, r.test_loss, r.test_accuracy, "
          "r.test_balanced_accuracy, r.model_epoch, r.stopped_epoch, r.stop_reason, r.backbone_batch, "
          "r.train_groups, r.validation_groups, r.test_groups, r.group_column, r.exact_duplicate_pairs, "
          "r.near_duplicate_pairs "
          "FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = ?"));
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
  report.set_model_epoch(static_cast<int32_t>(s.Int(13)));
  report.set_stopped_epoch(static_cast<int32_t>(s.Int(14)));
  report.set_stop_reason(s.Text(15));
  f->set_backbone_batch(static_cast<int32_t>(s.Int(16)));
  f->set_train_groups(s.Int(17));
  f->set_validation_groups(s.Int(18));
  f->set_test_groups(s.Int(19));
  f->set_group_column(s.Text(20));
  f->set_leakage_checked(!s.IsNull(21));
  f->set_exact_duplicate_pairs(s.Int(21));
  f->set_near_duplicate_pairs(s.Int(22));

  {
    DERM_ASSIGN_OR_RETURN(auto w, db_->Prepare("SELECT w.value FROM runs r, json_each(r.data_warnings) w "
                                               "WHERE r.id = ? AND json_valid(r.data_warnings)"));
    w.Bind(1, run_id);
    DERM_RETURN_IF_ERROR(ForEachRow(w, [&](const Statement& row) { f->add_data_warnings(row.Text(0)); }));
  }
  {
    DERM_ASSIGN_OR_RETURN(auto l, db_->Prepare("SELECT kind, split_a, path_a, split_b, path_b, distance FROM "
                                               "leaked_pairs WHERE run_id = ? ORDER BY rowid"));
    l.Bind(1, run_id);
    DERM_RETURN_IF_ERROR(ForEachRow(l, [&](const Statement& row) {
      auto* p = f->add_leaked_pairs();
      p->set_exact(row.Text(0) == "exact");
      p->set_split_a(row.Text(1));
      p->set_path_a(row.Text(2));
      p->set_split_b(row.Text(3));
      p->set_path_b(row.Text(4));
      p->set_distance(row.Double(5));
    }));
  }
  DERM_ASSIGN_OR_RETURN(auto p, db_->Prepare("SELECT name, value FROM params WHERE run_id = ?"));
  p.Bind(1, run_id);
  DERM_RETURN_IF_ERROR(
      ForEachRow(p, [&](const Statement& row) { (*report.mutable_params())[row.Text(0)] = row.Text(1); }));
  DERM_ASSIGN_OR_RETURN(auto gates, db_->Prepare("SELECT name, value, passed, reason FROM gate_results "
                                                 "WHERE run_id = ? ORDER BY gate"));
  gates.Bind(1, run_id);
  DERM_RETURN_IF_ERROR(ForEachRow(gates, [&](const Statement& row) {
    auto* g = report.add_gates();
    g->set_gate(row.Text(0));
    g->set_value(row.IsNull(1) ? std::nan("") : row.Double(1));
    g->set_passed(row.Int(2) != 0);
    g->set_reason(row.Text(3));
  }));
  DERM_ASSIGN_OR_RETURN(auto epochs, Epochs(run_id, 0, INT32_MAX, /*evaluations=*/false));
  for (auto& e : epochs) {
    if (&e == &epochs.back() || e.epoch() == report.model_epoch()) {
      DERM_RETURN_IF_ERROR(AddEvaluation(db_, run_id, e.epoch(), "validation", e.mutable_validation()));
    }
    *report.add_epochs() = std::move(e);
  }
  if (!report.epochs().empty()) {
    for (const auto& name : report.epochs().rbegin()->validation().confusion().class_names()) {
      f->add_class_names(name);
    }
  }
  if (has_test) {
    const int32_t last = report.epochs().empty() ? 0 : report.epochs().rbegin()->epoch();
    const int32_t model_epoch = report.model_epoch() > 0 ? report.model_epoch() : last;
    DERM_ASSIGN_OR_RETURN(*report.mutable_result()->mutable_test(), LoadSplit(run_id, model_epoch, "test"));
    auto* t = report.mutable_result()->mutable_test();
    t->set_loss(test_loss);
    t->set_accuracy(test_acc);
    t->set_balanced_accuracy(test_bal);
  }
  DERM_ASSIGN_OR_RETURN(auto sk, db_->Prepare("SELECT path, reason FROM skipped_files WHERE run_id = ?"));
  sk.Bind(1, run_id);
  DERM_RETURN_IF_ERROR(ForEachRow(sk, [&](const Statement& row) {
    auto* k = f->add_skipped();
    k->set_path(row.Text(0));
    k->set_reason(row.Text(1));
  }));
  return report;
}

StatusOr<std::vector<EpochPoint>> RunReader::EpochPoints(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT epoch, loss, accuracy, val_loss, val_accuracy, "
                                     "images_per_second FROM epoch_metrics WHERE run_id = ? ORDER BY epoch"));
  s.Bind(1, run_id);
  std::vector<EpochPoint> points;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    points.push_back({static_cast<int32_t>(row.Int(0)), row.Double(1), row.Double(2), row.Double(3),
                      row.Double(4), row.Double(5)});
  }));
  return points;
}

StatusOr<std::vector<derm::v1::Prediction>> RunReader::Predictions(int64_t run_id, const std::string& split) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT path, true_class, predicted_class, probability FROM predictions "
                                     "WHERE run_id = ? AND split = ? ORDER BY path"));
  s.Bind(1, run_id).Bind(2, split);
  std::vector<derm::v1::Prediction> out;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    derm::v1::Prediction p;
    p.set_split(split);
    p.set_path(row.Text(0));
    p.set_true_class(static_cast<int32_t>(row.Int(1)));
    p.set_predicted_class(static_cast<int32_t>(row.Int(2)));
    p.set_probability(static_cast<float>(row.Double(3)));
    out.push_back(std::move(p));
  }));
  return out;
}

StatusOr<std::vector<derm::v1::RunSummary>> RunReader::List(const std::string& filter,
                                                            const std::string& order_by, int limit,
                                                            int64_t offset) {
  DERM_ASSIGN_OR_RETURN(CompiledRunQuery q, CompileRunQuery(filter, order_by));
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare(
          "SELECT rs.run_id, rs.job_id, rs.name, rs.state, rs.learning_rate, rs.batch_size, rs.epochs, "
          "rs.dropout, rs.epochs_done, rs.final_val_accuracy, rs.final_val_loss, rs.best_val_accuracy, "
          "rs.best_epoch, rs.test_accuracy, rs.dataset_fingerprint, rs.weights, rs.duration_s, "
          "coalesce(rs.sweep_id, 0), rs.submitted_by "
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
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    derm::v1::RunSummary r;
    r.set_run_id(row.Int(0));
    r.set_job_id(row.Int(1));
    r.set_name(row.Text(2));
    JobState state = derm::v1::JOB_STATE_UNSPECIFIED;
    derm::v1::JobState_Parse(row.Text(3), &state);
    r.set_state(state);
    const char* keys[4] = {"train.learning_rate", "train.batch_size", "train.epochs", "model.dropout"};
    for (int k = 0; k < 4; ++k) {
      if (!row.IsNull(4 + k)) (*r.mutable_params())[keys[k]] = row.Text(4 + k);
    }
    r.set_epochs_done(static_cast<int32_t>(row.Int(8)));
    r.set_final_val_accuracy(row.Double(9));
    r.set_final_val_loss(row.Double(10));
    r.set_best_val_accuracy(row.Double(11));
    r.set_best_epoch(static_cast<int32_t>(row.Int(12)));
    r.set_test_accuracy(row.IsNull(13) ? std::nan("") : row.Double(13));
    r.set_dataset_fingerprint(row.Text(14));
    r.set_weights(row.Text(15));
    r.set_duration_s(row.Double(16));
    r.set_sweep_id(row.Int(17));
    r.set_submitted_by(row.Text(18));
    runs.push_back(std::move(r));
  }));
  return runs;
}

Status RunReader::AddParams(const std::vector<std::string>& names, std::vector<derm::v1::RunSummary>* runs) {
  if (names.empty() || runs->empty()) return Status::Ok();
  std::string sql = "SELECT run_id, name, value FROM params WHERE run_id IN (";
  for (size_t i = 0; i < runs->size(); ++i) sql += i ? ",?" : "?";
  sql += ") AND name IN (";
  for (size_t i = 0; i < names.size(); ++i) sql += i ? ",?" : "?";
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare(sql + ")"));
  int bind = 1;
  std::map<int64_t, derm::v1::RunSummary*> by_id;
  for (auto& r : *runs) {
    s.Bind(bind++, r.run_id());
    by_id[r.run_id()] = &r;
  }
  for (const auto& n : names) s.Bind(bind++, n);
  return ForEachRow(
      s, [&](const Statement& row) { (*by_id.at(row.Int(0))->mutable_params())[row.Text(1)] = row.Text(2); });
}

StatusOr<std::string> RunReader::Model(int64_t run_id) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT bytes FROM artifacts WHERE run_id = ? AND kind = 'model' "
                                     "ORDER BY epoch DESC LIMIT 1"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
  if (!row)
    return NotFound("run " + std::to_string(run_id) + " has no model (it has not finished successfully)");
  return s.Blob(0);
}

}  // namespace derm::store
