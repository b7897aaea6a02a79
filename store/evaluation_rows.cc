#include "store/evaluation_rows.h"

#include <cmath>
#include <limits>

#include "store/sqlite.h"

namespace derm::store {

namespace {

double Real(const Statement& row, int col) {
  return row.IsNull(col) ? std::numeric_limits<double>::quiet_NaN() : row.Double(col);
}

Status InsertCurve(Statement& s, int64_t run_id, int32_t epoch, const char* split, int k, const char* curve,
                   const derm::v1::Curve& c) {
  for (int i = 0; i < c.x_size() && i < c.y_size(); ++i) {
    s.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Bind(4, k).Bind(5, curve).Bind(6, i);
    DERM_RETURN_IF_ERROR(s.Bind(7, c.x(i)).Bind(8, c.y(i)).Run());
    s.Reset();
  }
  return Status::Ok();
}

Status InsertInterval(Statement& s, int64_t run_id, const char* split, const char* metric, int k,
                      const derm::v1::Interval& i) {
  if (i.resamples() == 0) return Status::Ok();
  s.Bind(1, run_id).Bind(2, split).Bind(3, metric).Bind(4, k).Bind(5, i.estimate()).Bind(6, i.lower());
  DERM_RETURN_IF_ERROR(s.Bind(7, i.upper())
                           .Bind(8, i.level())
                           .Bind(9, i.resamples())
                           .Bind(10, static_cast<int64_t>(i.seed()))
                           .Run());
  s.Reset();
  return Status::Ok();
}

void ReadInterval(const Statement& row, int col, derm::v1::Interval* i) {
  i->set_estimate(Real(row, col));
  i->set_lower(Real(row, col + 1));
  i->set_upper(Real(row, col + 2));
  i->set_level(row.Double(col + 3));
  i->set_resamples(static_cast<int32_t>(row.Int(col + 4)));
  i->set_seed(static_cast<uint64_t>(row.Int(col + 5)));
}

}  // namespace

Status InsertEvaluation(Database* db, int64_t run_id, int32_t epoch, const char* split,
                        const derm::v1::Evaluation& e) {
  for (const char* table :
       {"split_evaluation", "class_evaluation", "operating_points", "curve_points", "reliability_bins"}) {
    DERM_ASSIGN_OR_RETURN(auto d, db->Prepare(std::string("DELETE FROM ") + table +
                                              " WHERE run_id = ? AND epoch = ? AND split = ?"));
    DERM_RETURN_IF_ERROR(d.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Run());
  }
  DERM_ASSIGN_OR_RETURN(auto se, db->Prepare("INSERT INTO split_evaluation VALUES (?,?,?,?,?,?,?,?)"));
  se.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Bind(4, e.macro_roc_auc()).Bind(5, e.weighted_roc_auc());
  DERM_RETURN_IF_ERROR(se.Bind(6, e.ece()).Bind(7, e.nll()).Bind(8, e.brier()).Run());
  DERM_ASSIGN_OR_RETURN(auto ce, db->Prepare("INSERT INTO class_evaluation VALUES (?,?,?,?,?,?,?,?)"));
  DERM_ASSIGN_OR_RETURN(auto op,
                        db->Prepare("INSERT OR REPLACE INTO operating_points VALUES (?,?,?,?,?,?,?,?,?)"));
  DERM_ASSIGN_OR_RETURN(auto cp, db->Prepare("INSERT INTO curve_points VALUES (?,?,?,?,?,?,?,?)"));
  DERM_ASSIGN_OR_RETURN(auto iv,
                        db->Prepare("INSERT OR REPLACE INTO intervals VALUES (?,?,?,?,?,?,?,?,?,?)"));
  for (int k = 0; k < e.per_class_size(); ++k) {
    const auto& c = e.per_class(k);
    ce.Bind(1, run_id)
        .Bind(2, epoch)
        .Bind(3, split)
        .Bind(4, k)
        .Bind(5, c.class_name())
        .Bind(6, c.positives());
    DERM_RETURN_IF_ERROR(ce.Bind(7, c.roc_auc()).Bind(8, c.average_precision()).Run());
    ce.Reset();
    for (const auto& [kind, points] : {std::pair{"at_specificity", &c.at_specificity()},
                                       std::pair{"at_sensitivity", &c.at_sensitivity()}}) {
      for (const auto& p : *points) {
        op.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Bind(4, k).Bind(5, kind).Bind(6, p.target());
        DERM_RETURN_IF_ERROR(
            op.Bind(7, p.threshold()).Bind(8, p.sensitivity()).Bind(9, p.specificity()).Run());
        op.Reset();
      }
    }
    DERM_RETURN_IF_ERROR(InsertCurve(cp, run_id, epoch, split, k, "roc", c.roc()));
    DERM_RETURN_IF_ERROR(InsertCurve(cp, run_id, epoch, split, k, "precision_recall", c.precision_recall()));
    DERM_RETURN_IF_ERROR(InsertInterval(iv, run_id, split, "roc_auc", k, c.roc_auc_interval()));
  }
  DERM_ASSIGN_OR_RETURN(auto rb, db->Prepare("INSERT INTO reliability_bins VALUES (?,?,?,?,?,?,?,?,?)"));
  for (int b = 0; b < e.reliability_size(); ++b) {
    const auto& r = e.reliability(b);
    rb.Bind(1, run_id).Bind(2, epoch).Bind(3, split).Bind(4, b).Bind(5, r.lower()).Bind(6, r.upper());
    DERM_RETURN_IF_ERROR(rb.Bind(7, r.count()).Bind(8, r.confidence()).Bind(9, r.accuracy()).Run());
    rb.Reset();
  }
  DERM_RETURN_IF_ERROR(InsertInterval(iv, run_id, split, "accuracy", -1, e.accuracy_interval()));
  return InsertInterval(iv, run_id, split, "balanced_accuracy", -1, e.balanced_accuracy_interval());
}

Status LoadEvaluation(Database* db, int64_t run_id, int32_t epoch, const char* split,
                      derm::v1::Evaluation* e) {
  DERM_ASSIGN_OR_RETURN(auto se,
                        db->Prepare("SELECT macro_roc_auc, weighted_roc_auc, ece, nll, brier FROM "
                                    "split_evaluation WHERE run_id = ? AND epoch = ? AND split = ?"));
  se.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_ASSIGN_OR_RETURN(bool found, se.Step());
  if (!found) return Status::Ok();
  e->set_macro_roc_auc(Real(se, 0));
  e->set_weighted_roc_auc(Real(se, 1));
  e->set_ece(Real(se, 2));
  e->set_nll(Real(se, 3));
  e->set_brier(Real(se, 4));
  DERM_ASSIGN_OR_RETURN(auto ce, db->Prepare("SELECT class_name, positives, roc_auc, average_precision FROM "
                                             "class_evaluation WHERE run_id = ? AND epoch = ? AND split = ? "
                                             "ORDER BY class_index"));
  ce.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_RETURN_IF_ERROR(ForEachRow(ce, [&](const Statement& row) {
    auto* c = e->add_per_class();
    c->set_class_name(row.Text(0));
    c->set_positives(row.Int(1));
    c->set_roc_auc(Real(row, 2));
    c->set_average_precision(Real(row, 3));
  }));
  DERM_ASSIGN_OR_RETURN(auto op,
                        db->Prepare("SELECT class_index, kind, target, threshold, sensitivity, "
                                    "specificity FROM operating_points WHERE run_id = ? AND epoch = ? "
                                    "AND split = ? ORDER BY class_index, kind, target"));
  op.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_RETURN_IF_ERROR(ForEachRow(op, [&](const Statement& row) {
    const int k = static_cast<int>(row.Int(0));
    if (k < 0 || k >= e->per_class_size()) return;
    auto* c = e->mutable_per_class(k);
    auto* p = row.Text(1) == "at_specificity" ? c->add_at_specificity() : c->add_at_sensitivity();
    p->set_target(row.Double(2));
    p->set_threshold(Real(row, 3));
    p->set_sensitivity(Real(row, 4));
    p->set_specificity(Real(row, 5));
  }));
  DERM_ASSIGN_OR_RETURN(auto cp,
                        db->Prepare("SELECT class_index, curve, x, y FROM curve_points WHERE run_id = ? "
                                    "AND epoch = ? AND split = ? ORDER BY class_index, curve, point"));
  cp.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_RETURN_IF_ERROR(ForEachRow(cp, [&](const Statement& row) {
    const int k = static_cast<int>(row.Int(0));
    if (k < 0 || k >= e->per_class_size()) return;
    auto* c = e->mutable_per_class(k);
    auto* curve = row.Text(1) == "roc" ? c->mutable_roc() : c->mutable_precision_recall();
    curve->add_x(Real(row, 2));
    curve->add_y(Real(row, 3));
  }));
  DERM_ASSIGN_OR_RETURN(auto rb, db->Prepare("SELECT lower, upper, count, confidence, accuracy FROM "
                                             "reliability_bins WHERE run_id = ? AND epoch = ? AND split = ? "
                                             "ORDER BY bin"));
  rb.Bind(1, run_id).Bind(2, epoch).Bind(3, split);
  DERM_RETURN_IF_ERROR(ForEachRow(rb, [&](const Statement& row) {
    auto* r = e->add_reliability();
    r->set_lower(row.Double(0));
    r->set_upper(row.Double(1));
    r->set_count(row.Int(2));
    r->set_confidence(row.Double(3));
    r->set_accuracy(row.Double(4));
  }));
  if (std::string(split) != "test") return Status::Ok();  // intervals: test only
  DERM_ASSIGN_OR_RETURN(auto iv,
                        db->Prepare("SELECT metric, class_index, estimate, lower, upper, level, "
                                    "resamples, seed FROM intervals WHERE run_id = ? AND split = ?"));
  iv.Bind(1, run_id).Bind(2, split);
  return ForEachRow(iv, [&](const Statement& row) {
    const std::string metric = row.Text(0);
    const int k = static_cast<int>(row.Int(1));
    if (metric == "accuracy") {
      ReadInterval(row, 2, e->mutable_accuracy_interval());
    } else if (metric == "balanced_accuracy") {
      ReadInterval(row, 2, e->mutable_balanced_accuracy_interval());
    } else if (k >= 0 && k < e->per_class_size()) {
      ReadInterval(row, 2, e->mutable_per_class(k)->mutable_roc_auc_interval());
    }
  });
}

}  // namespace derm::store
