#include "store/model_registry.h"

#include "store/sqlite.h"

namespace derm::store {
namespace {

constexpr const char* kVersionColumns =
    "SELECT name, version, run_id, stage, registered_by, registered_ms FROM model_versions ";

derm::v1::ModelVersion ReadVersion(const Statement& row) {
  derm::v1::ModelVersion v;
  v.set_name(row.Text(0));
  v.set_version(static_cast<int32_t>(row.Int(1)));
  v.set_run_id(row.Int(2));
  v.set_stage(row.Text(3));
  v.set_registered_by(row.Text(4));
  v.set_registered_ms(row.Int(5));
  return v;
}

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

Status ModelRegistry::AddDetails(derm::v1::ModelVersion* v) {
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT count(*), coalesce(sum(passed), 0) FROM gate_results "
                                               "WHERE run_id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, v->run_id()).Step());
    if (row) {
      v->set_gates(static_cast<int32_t>(s.Int(0)));
      v->set_gates_passed(static_cast<int32_t>(s.Int(1)));
    }
  }
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("SELECT from_stage, to_stage, forced, changed_by, changed_ms, reason "
                                     "FROM model_stage_changes WHERE name = ? AND version = ? ORDER BY id"));
  s.Bind(1, v->name()).Bind(2, v->version());
  return ForEachRow(s, [&](const Statement& row) {
    auto* c = v->add_history();
    c->set_from_stage(row.Text(0));
    c->set_to_stage(row.Text(1));
    c->set_forced(row.Int(2) != 0);
    c->set_changed_by(row.Text(3));
    c->set_changed_ms(row.Int(4));
    c->set_reason(row.Text(5));
  });
}

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
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare(std::string(kVersionColumns) + "WHERE name = ? AND version = ?"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, name).Bind(2, version).Step());
  if (!row) return NotFound("model " + name + " has no version " + std::to_string(version));
  derm::v1::ModelVersion v = ReadVersion(s);
  DERM_RETURN_IF_ERROR(AddDetails(&v));
  return v;
}

StatusOr<std::optional<derm::v1::ModelVersion>> ModelRegistry::InStage(const std::string& name,
                                                                       const std::string& stage) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string(kVersionColumns) +
                                             "WHERE name = ? AND stage = ? ORDER BY version DESC LIMIT 1"));
  DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, name).Bind(2, stage).Step());
  if (!row) return std::optional<derm::v1::ModelVersion>();
  derm::v1::ModelVersion v = ReadVersion(s);
  DERM_RETURN_IF_ERROR(AddDetails(&v));
  return std::optional<derm::v1::ModelVersion>(std::move(v));
}

StatusOr<std::vector<derm::v1::ModelVersion>> ModelRegistry::List(const std::string& name) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string(kVersionColumns) +
                                             "WHERE ?1 = '' OR name = ?1 ORDER BY name, version"));
  std::vector<derm::v1::ModelVersion> out;
  s.Bind(1, name);
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) { out.push_back(ReadVersion(row)); }));
  for (auto& v : out) DERM_RETURN_IF_ERROR(AddDetails(&v));
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
