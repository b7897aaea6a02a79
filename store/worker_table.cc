#include "store/worker_table.h"

#include "common/strings.h"
#include "store/sqlite.h"

namespace derm::store {

StatusOr<int64_t> WorkerTable::Insert(const derm::v1::RegisterWorkerRequest& w,
                                      const std::string& registered_by, int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(auto s,
                        db_->Prepare("INSERT INTO workers(name, device, gpus, memory_mb, labels, "
                                     "registered_ms, last_seen_ms, registered_by, cluster_job, visible_gpus) "
                                     "VALUES (?,?,?,?,?,?,?,?,?,?)"));
  std::string labels;
  for (const auto& l : w.labels()) labels += (labels.empty() ? "" : ",") + l;
  s.Bind(1, w.name()).Bind(2, w.device()).Bind(3, w.gpus()).Bind(4, w.memory_mb()).Bind(5, labels);
  s.Bind(6, now_ms)
      .Bind(7, now_ms)
      .Bind(8, registered_by)
      .Bind(9, w.cluster_job())
      .Bind(10, w.visible_gpus());
  DERM_RETURN_IF_ERROR(s.Run());
  return db_->LastInsertId();
}

Status WorkerTable::SetState(int64_t worker_id, derm::v1::WorkerState state) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE workers SET state = ? WHERE id = ?"));
  DERM_RETURN_IF_ERROR(s.Bind(1, derm::v1::WorkerState_Name(state)).Bind(2, worker_id).Run());
  if (db_->Changes() != 1) return NotFound("worker " + std::to_string(worker_id) + " does not exist");
  return Status::Ok();
}

Status WorkerTable::MarkAllLost() {
  return db_->Exec("UPDATE workers SET state = 'LOST' WHERE state IN ('ACTIVE', 'DRAINING')");
}

Status WorkerTable::Touch(int64_t worker_id, int64_t now_ms) {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE workers SET last_seen_ms = ? WHERE id = ?"));
  return s.Bind(1, now_ms).Bind(2, worker_id).Run();
}

StatusOr<std::vector<derm::v1::WorkerInfo>> WorkerTable::List() {
  DERM_ASSIGN_OR_RETURN(
      auto s,
      db_->Prepare("SELECT id, name, device, gpus, memory_mb, labels, state, registered_ms, last_seen_ms, "
                   "(SELECT job_id FROM attempts a WHERE a.worker_id = workers.id AND a.state = 'RUNNING' "
                   "ORDER BY a.id DESC LIMIT 1), registered_by, cluster_job, visible_gpus FROM workers "
                   "ORDER BY id DESC"));
  std::vector<derm::v1::WorkerInfo> workers;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) {
    derm::v1::WorkerInfo& w = workers.emplace_back();
    w.set_id(row.Int(0));
    w.set_name(row.Text(1));
    w.set_device(row.Text(2));
    w.set_gpus(static_cast<int32_t>(row.Int(3)));
    w.set_memory_mb(row.Int(4));
    for (const auto& label : Split(row.Text(5), ',')) w.add_labels(label);
    derm::v1::WorkerState state = derm::v1::WORKER_STATE_UNSPECIFIED;
    derm::v1::WorkerState_Parse(row.Text(6), &state);
    w.set_state(state);
    w.set_registered_ms(row.Int(7));
    w.set_last_seen_ms(row.Int(8));
    w.set_running_job_id(row.Int(9));
    w.set_registered_by(row.Text(10));
    w.set_cluster_job(row.Text(11));
    w.set_visible_gpus(row.Text(12));
  }));
  return workers;
}

}  // namespace derm::store
