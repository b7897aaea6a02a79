#include "store/prediction_pages.h"

#include "common/parse_number.h"
#include "store/sqlite.h"

namespace derm::store {

std::string PredictionSplit(const std::string& split) {
  if (split.empty()) return "validation";
  return split == "validation" || split == "test" ? split : "";
}

StatusOr<derm::v1::ListPredictionsResponse> PredictionPages::List(
    const derm::v1::ListPredictionsRequest& request) {
  const std::string split = PredictionSplit(request.split());
  if (split.empty())
    return InvalidArgument("split must be validation or test, got '" + request.split() + "'");
  if (request.page_size() < 0 || request.page_size() > 1000)
    return InvalidArgument("page_size must be between 0 and 1000");
  const int64_t limit = request.page_size() == 0 ? 100 : request.page_size();
  int64_t offset = 0;
  if (!request.page_token().empty()) {
    const auto parsed = ParseInt64(request.page_token());
    if (!parsed || *parsed < 0) return InvalidArgument("bad page_token '" + request.page_token() + "'");
    offset = *parsed;
  }
  derm::v1::ListPredictionsResponse response;
  DERM_ASSIGN_OR_RETURN(auto names, db_->Prepare("SELECT DISTINCT class_index, class_name FROM class_metrics "
                                                 "WHERE run_id = ? ORDER BY class_index"));
  names.Bind(1, request.run_id());
  DERM_RETURN_IF_ERROR(
      ForEachRow(names, [&](const Statement& row) { response.add_class_names(row.Text(1)); }));

  // ?1 run, ?2 split, ?3/?4 true/predicted class (NULL: any), ?5 the other run (NULL: none).
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("SELECT a.path, a.true_class, a.predicted_class, a.probability, a.thumbnail IS NOT NULL, "
                   "       b.predicted_class, b.probability "
                   "FROM predictions a LEFT JOIN predictions b "
                   "  ON b.run_id = ?5 AND b.split = a.split AND b.path = a.path "
                   "WHERE a.run_id = ?1 AND a.split = ?2 "
                   "  AND (?3 IS NULL OR a.true_class = ?3) AND (?4 IS NULL OR a.predicted_class = ?4) "
                   "  AND (?5 IS NULL OR (b.path IS NOT NULL AND "
                   "       (a.predicted_class = a.true_class) != (b.predicted_class = b.true_class))) "
                   "ORDER BY a.path LIMIT ?6 OFFSET ?7"));
  s.Bind(1, request.run_id()).Bind(2, split);
  if (request.has_true_class()) {
    s.Bind(3, request.true_class());
  } else {
    s.BindNull(3);
  }
  if (request.has_predicted_class()) {
    s.Bind(4, request.predicted_class());
  } else {
    s.BindNull(4);
  }
  s.BindOrNull(5, request.differs_from_run(), int64_t{0});
  s.Bind(6, limit + 1).Bind(7, offset);
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    if (response.predictions_size() == limit) {
      response.set_next_page_token(std::to_string(offset + limit));
      return;
    }
    auto* p = response.add_predictions();
    p->set_path(row.Text(0));
    p->set_true_class(static_cast<int32_t>(row.Int(1)));
    p->set_predicted_class(static_cast<int32_t>(row.Int(2)));
    p->set_probability(static_cast<float>(row.Double(3)));
    p->set_has_thumbnail(row.Int(4) != 0);
    if (!row.IsNull(5)) {
      p->set_other_predicted_class(static_cast<int32_t>(row.Int(5)));
      p->set_other_probability(static_cast<float>(row.Double(6)));
    }
  }));
  return response;
}

StatusOr<std::string> PredictionPages::Thumbnail(int64_t run_id, const std::string& split,
                                                 const std::string& path) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT thumbnail FROM predictions WHERE run_id = ? AND split = ? "
                                     "AND path = ? AND thumbnail IS NOT NULL"));
  s.Bind(1, run_id).Bind(2, split).Bind(3, path);
  DERM_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row)
    return NotFound("run " + std::to_string(run_id) + " has no thumbnail of that " + split + " image");
  return s.Blob(0);
}

}  // namespace derm::store
