#include "store/model_registry.h"

#include <map>
#include <utility>

#include "store/sqlite.h"

namespace derm::store {
namespace {

Status InsertChange(Database* db, const std::string& name, int32_t version, const std::string& from,
                    const std::string& to, bool forced, const std::string& by, const std::string& reason,
                    int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db->Prepare("INSERT INTO model_stage_changes(name, version, from_stage, to_stage, "
                                    "forced, changed_by, changed_ms, reason) VALUES (?,?,?,?,?,?,?,?)"));
  s.Bind(1, name).Bind(2, version).Bind(3, from).Bind(4, to).Bind(5, forced ? 1 : 0);
  return s.Bind(6, by).Bind(7, now_ms).Bind(8, reason).Run();
}

}  // namespace

StatusOr<derm::v1::ModelVersion> ModelRegistry::Register(const std::string& name, int64_t run_id,
                                                         const std::string& by, int64_t now_ms) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT j.state, (SELECT count(*) FROM artifacts a WHERE "
                                               "a.run_id = r.id AND a.kind = 'model') FROM runs r "
                                               "JOIN jobs j ON j.id = r.job_id WHERE r.id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, run_id).Step());
    const std::string run = "run " + std::to_string(run_id);
    if (!row) return NotFound(run + " does not exist");
    if (s.Text(0) != "SUCCEEDED" || s.Int(1) == 0) {
      return FailedPrecondition(run + " is " + s.Text(0) + (s.Int(1) == 0 ? " without a model" : "") +
                                ": only a SUCCEEDED training run's model can be registered");
    }
  }
  int32_t version = 1;
  {
    DERM_ASSIGN_OR_RETURN(
        auto s, db_->Prepare("SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE name = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, name).Step());
    if (row) version = static_cast<int32_t>(s.Int(0));
  }
  {
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("INSERT INTO model_versions(name, version, run_id, registered_by, "
                                       "registered_ms) VALUES (?,?,?,?,?)"));
    DERM_RETURN_IF_ERROR(s.Bind(1, name).Bind(2, version).Bind(3, run_id).Bind(4, by).Bind(5, now_ms).Run());
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return Get(name, version);
}

StatusOr<derm::v1::ModelVersion> ModelRegistry::Get(const std::string& name, int32_t version) {
  DERM_ASSIGN_OR_RETURN(auto versions, List(name));
  for (auto& v : versions) {
    if (v.name() == name && v.version() == version) return std::move(v);
  }
  return NotFound("model " + name + " has no version " + std::to_string(version));
}

StatusOr<std::optional<derm::v1::ModelVersion>> ModelRegistry::InStage(const std::string& name,
                                                                       const std::string& stage) {
  DERM_ASSIGN_OR_RETURN(auto versions, List(name));
  for (auto v = versions.rbegin(); v != versions.rend(); ++v) {  // the newest first
    if (v->name() == name && v->stage() == stage) return std::optional<derm::v1::ModelVersion>(std::move(*v));
  }
  return std::optional<derm::v1::ModelVersion>();
}

StatusOr<std::vector<derm::v1::ModelVersion>> ModelRegistry::List(const std::string& name) {
  // Two queries whatever the number of versions: the versions with their runs' gate counts, then
  // every stage change of them, oldest first.
  DERM_ASSIGN_OR_RETURN(
      auto s, db_->Prepare("SELECT v.name, v.version, v.run_id, v.stage, v.registered_by, v.registered_ms, "
                           "(SELECT count(*) FROM gate_results g WHERE g.run_id = v.run_id), "
                           "(SELECT coalesce(sum(passed), 0) FROM gate_results g WHERE g.run_id = v.run_id) "
                           "FROM model_versions v WHERE ?1 = '' OR v.name = ?1 ORDER BY v.name, v.version"));
  std::vector<derm::v1::ModelVersion> out;
  std::map<std::pair<std::string, int32_t>, size_t> index;
  s.Bind(1, name);
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    derm::v1::ModelVersion& v = out.emplace_back();
    v.set_name(row.Text(0));
    v.set_version(static_cast<int32_t>(row.Int(1)));
    v.set_run_id(row.Int(2));
    v.set_stage(row.Text(3));
    v.set_registered_by(row.Text(4));
    v.set_registered_ms(row.Int(5));
    v.set_gates(static_cast<int32_t>(row.Int(6)));
    v.set_gates_passed(static_cast<int32_t>(row.Int(7)));
    index[{v.name(), v.version()}] = out.size() - 1;
  }));
  DERM_ASSIGN_OR_RETURN(auto c,
                        db_->Prepare("SELECT name, version, from_stage, to_stage, forced, changed_by, "
                                     "changed_ms, reason FROM model_stage_changes "
                                     "WHERE ?1 = '' OR name = ?1 ORDER BY id"));
  c.Bind(1, name);
  DERM_RETURN_IF_ERROR(ForEachRow(c, [&](const Statement& row) {
    const auto at = index.find({row.Text(0), static_cast<int32_t>(row.Int(1))});
    if (at == index.end()) return;
    auto* change = out[at->second].add_history();
    change->set_from_stage(row.Text(2));
    change->set_to_stage(row.Text(3));
    change->set_forced(row.Int(4) != 0);
    change->set_changed_by(row.Text(5));
    change->set_changed_ms(row.Int(6));
    change->set_reason(row.Text(7));
  }));
  return out;
}

StatusOr<derm::v1::ModelVersion> ModelRegistry::SetStage(const std::string& name, int32_t version,
                                                         const std::string& stage, bool forced,
                                                         const std::string& by, const std::string& reason,
                                                         int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(derm::v1::ModelVersion current, Get(name, version));
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  if (stage == "staging" || stage == "production") {
    DERM_ASSIGN_OR_RETURN(auto holder, InStage(name, stage));
    if (holder && holder->version() != version) {
      DERM_ASSIGN_OR_RETURN(auto s,
                            db_->Prepare("UPDATE model_versions SET stage = 'archived' WHERE name = ? AND "
                                         "version = ?"));
      DERM_RETURN_IF_ERROR(s.Bind(1, name).Bind(2, holder->version()).Run());
      DERM_RETURN_IF_ERROR(InsertChange(db_, name, holder->version(), stage, "archived", false, by,
                                        "replaced by version " + std::to_string(version), now_ms));
    }
  }
  {
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare("UPDATE model_versions SET stage = ? WHERE name = ? AND version = ?"));
    DERM_RETURN_IF_ERROR(s.Bind(1, stage).Bind(2, name).Bind(3, version).Run());
  }
  DERM_RETURN_IF_ERROR(InsertChange(db_, name, version, current.stage(), stage, forced, by, reason, now_ms));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return Get(name, version);
}

}  // namespace derm::store
