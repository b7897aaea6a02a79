#include "scheduler/launcher/launcher.h"

#include <algorithm>
#include <set>

#include "scheduler/placement.h"

namespace derm::launcher {

Launcher::Launcher(LauncherOptions options, SchedulerApi* scheduler, BatchSystem* batch, const Clock* clock)
    : options_(std::move(options)), scheduler_(scheduler), batch_(batch), clock_(clock) {}

void Launcher::Note(TickReport* report, const std::string& key, const std::string& text) {
  if (noted_.insert(key).second) report->notes.push_back(text);
}

void Launcher::NoteJob(TickReport* report, int64_t id, const std::string& text) {
  if (noted_jobs_.insert(id).second) report->notes.push_back(text);
}

void Launcher::EndedPilot(bool had_worker, const BatchJob& pilot, int64_t now, TickReport* report) {
  if (had_worker) {
    failed_starts_ = 0;
    return;
  }
  // Pilots that end before their worker registers (a wrong --worker-binary, an unreachable
  // scheduler, a node that cannot start it) would be replaced at the submission rate forever.
  if (++failed_starts_ < kFailedStartsBeforePause) return;
  const int64_t pause = std::min<int64_t>(
      kMaxPauseMs, int64_t{60000} << std::min(failed_starts_ - kFailedStartsBeforePause, 5));
  paused_until_ = now + pause;
  report->notes.push_back(std::to_string(failed_starts_) +
                          " pilots in a row ended before their worker registered (the last: " + pilot.id +
                          ", " + pilot.detail + "): no submissions for " + std::to_string(pause / 1000) +
                          " s; the pilots' output (--log-dir) says why");
}

bool Launcher::MaySubmit(int64_t now) {
  while (!recent_submits_.empty() && recent_submits_.front() <= now - 60000) recent_submits_.pop_front();
  return static_cast<int>(recent_submits_.size()) < options_.max_submits_per_minute;
}

std::string Launcher::PilotOf(const derm::v1::WorkerInfo& worker) const {
  const std::string prefix = batch_->name() + ":";
  if (worker.cluster_job().rfind(prefix, 0) != 0) return "";
  const std::string id = worker.cluster_job().substr(prefix.size());
  return pilots_.count(id) ? id : "";
}

void Launcher::TrackPilots(const std::vector<BatchJob>& listed,
                           const std::vector<derm::v1::WorkerInfo>& workers, int64_t now,
                           TickReport* report) {
  std::set<std::string> registered;  // batch jobs some worker registered from
  for (const auto& w : workers) registered.insert(w.cluster_job());
  std::map<std::string, Pilot> alive;
  for (const auto& job : listed) {
    auto shape = DecodeShape(job.comment);
    if (!shape) continue;  // not derm's
    if (job.state != BatchJobState::kEnded) {
      alive[job.id] = {*shape, job.state};
    } else if (pilots_.count(job.id)) {
      report->notes.push_back("pilot " + job.id + " ended: " + job.detail);  // once: no longer tracked
      EndedPilot(registered.count(batch_->name() + ":" + job.id) > 0, job, now, report);
    }
  }
  pilots_ = std::move(alive);
}

std::vector<Launcher::Slot> Launcher::PlaceQueuedJobs(
    std::vector<derm::v1::Job> queued, const std::vector<derm::v1::WorkerInfo>& workers,
    const std::map<std::string, const derm::v1::WorkerInfo*>& worker_of,
    std::vector<derm::v1::Job>* unplaced) const {
  // Idle workers first, then pilots whose worker has not registered.
  std::vector<Slot> slots;
  for (const auto& w : workers) {
    if (w.state() == derm::v1::ACTIVE && w.running_job_id() == 0)
      slots.push_back({AsWorker(ShapeOf(w)), w.id(), PilotOf(w)});
  }
  for (const auto& [id, pilot] : pilots_) {
    if (!worker_of.count(id)) slots.push_back({AsWorker(pilot.shape), 0, id});
  }
  std::sort(queued.begin(), queued.end(), [](const derm::v1::Job& a, const derm::v1::Job& b) {
    if (a.spec().priority() != b.spec().priority()) return a.spec().priority() > b.spec().priority();
    return a.id() < b.id();
  });
  size_t free = slots.size();  // once every slot is claimed, the rest need pilots without a search
  for (auto& job : queued) {
    auto slot = free == 0 ? slots.end() : std::find_if(slots.begin(), slots.end(), [&](const Slot& s) {
      return !s.claimed && scheduler::Fits(job.spec(), s.offer);
    });
    if (slot != slots.end()) {
      slot->claimed = true;
      --free;
    } else {
      unplaced->push_back(std::move(job));
    }
  }
  return slots;
}

void Launcher::SubmitPilots(const std::vector<derm::v1::Job>& unplaced, int64_t now, TickReport* report) {
  for (const derm::v1::Job& job : unplaced) {
    const PilotShape shape = ShapeFor(job.spec(), options_.min_memory_mb);
    if (auto r = refused_until_.find(job.id()); r != refused_until_.end() && now < r->second) continue;
    const std::string job_key = "job " + std::to_string(job.id());
    if (shape.gpus > options_.max_gpus_per_pilot) {
      NoteJob(report, job.id(),
              job_key + " needs " + std::to_string(shape.gpus) + " GPUs; pilots get at most " +
                  std::to_string(options_.max_gpus_per_pilot) + " (--max-gpus-per-pilot)");
      continue;
    }
    if (static_cast<int>(pilots_.size()) >= options_.max_workers) {
      Note(report, "cap",
           "at most " + std::to_string(options_.max_workers) +
               " pilots (--max-workers): queued jobs wait for a free one");
      return;
    }
    if (now < paused_until_) return;  // said when the pause began
    if (!MaySubmit(now)) {
      Note(report, "rate",
           "at most " + std::to_string(options_.max_submits_per_minute) +
               " submissions a minute (--max-submits-per-minute): more next round");
      return;
    }
    auto script = RenderSbatchScript(shape, options_.pilot);
    if (!script.ok()) {
      NoteJob(report, job.id(), job_key + " cannot get a pilot: " + script.status().message());
      continue;
    }
    recent_submits_.push_back(now);  // a failed submission counts too: a broken sbatch is not hammered
    auto id = batch_->Submit(*script);
    if (!id.ok()) {  // said once per cause, until a submission succeeds
      Note(report, "submit " + id.status().message(), "submitting a pilot failed: " + id.status().message());
      // A job whose pilot Slurm refuses (a spec asking for more memory than any node has) waits
      // before it is tried again, so it does not hold up the jobs behind it round after round.
      refused_until_[job.id()] = now + kRefusedJobRetryMs;
      return;
    }
    pilots_[*id] = {shape, BatchJobState::kPending};
    report->submitted.push_back(*id);
    std::erase_if(noted_, [](const std::string& key) {
      return key == "cap" || key == "rate" || key.rfind("submit ", 0) == 0;
    });
  }
}

void Launcher::CancelUnneededPilots(const std::vector<Slot>& slots, TickReport* report) {
  for (const Slot& s : slots) {
    if (s.claimed || s.worker_id != 0 || s.pilot.empty()) continue;
    if (pilots_.at(s.pilot).state != BatchJobState::kPending) continue;  // starting: kept, released when idle
    if (Status st = batch_->Cancel(s.pilot); st.ok()) {
      pilots_.erase(s.pilot);
      report->cancelled.push_back(s.pilot);
    } else {
      report->notes.push_back("cancelling pilot " + s.pilot + " failed: " + st.message());
    }
  }
}

void Launcher::DrainIdleWorkers(const std::vector<Slot>& slots, int64_t now, TickReport* report) {
  std::map<int64_t, int64_t> still_idle;
  for (const Slot& s : slots) {
    if (s.claimed || s.worker_id == 0 || s.pilot.empty()) continue;
    const int64_t since = idle_since_.count(s.worker_id) ? idle_since_.at(s.worker_id) : now;
    if (now - since < options_.idle_timeout_ms) {
      still_idle[s.worker_id] = since;
    } else if (Status st = scheduler_->Drain(s.worker_id); st.ok()) {
      report->drained.push_back(s.worker_id);
    } else {
      report->notes.push_back("draining worker " + std::to_string(s.worker_id) + " failed: " + st.message());
      still_idle[s.worker_id] = since;
    }
  }
  idle_since_ = std::move(still_idle);
}

void Launcher::CancelLostPilots(const std::map<std::string, const derm::v1::WorkerInfo*>& worker_of,
                                int64_t now, TickReport* report) {
  std::map<std::string, int64_t> still_lost;
  for (const auto& [id, w] : worker_of) {
    if (pilots_.at(id).state != BatchJobState::kRunning) continue;
    if (w->state() != derm::v1::LOST && w->state() != derm::v1::GONE) continue;
    const int64_t since = lost_since_.count(id) ? lost_since_.at(id) : now;
    if (now - since < options_.lost_grace_ms) {
      still_lost[id] = since;
    } else if (Status st = batch_->Cancel(id); st.ok()) {
      report->cancelled.push_back(id);
    } else {
      report->notes.push_back("cancelling pilot " + id + " failed: " + st.message());
      still_lost[id] = since;
    }
  }
  lost_since_ = std::move(still_lost);
}

StatusOr<TickReport> Launcher::Tick() {
  TickReport report;
  const int64_t now = clock_->NowMillis();
  DERM_ASSIGN_OR_RETURN(std::vector<derm::v1::Job> queued, scheduler_->QueuedJobs());
  DERM_ASSIGN_OR_RETURN(std::vector<derm::v1::WorkerInfo> workers, scheduler_->Workers());
  DERM_ASSIGN_OR_RETURN(std::vector<BatchJob> listed, batch_->List(options_.pilot.job_name));
  TrackPilots(listed, workers, now, &report);
  std::map<std::string, const derm::v1::WorkerInfo*> worker_of;  // each pilot's newest worker
  for (const auto& w : workers) {
    if (const std::string id = PilotOf(w); !id.empty() && !worker_of.count(id)) worker_of[id] = &w;
  }
  // What is remembered about jobs that left the queue is forgotten.
  std::set<int64_t> still_noted;
  std::map<int64_t, int64_t> still_refused;
  for (const auto& job : queued) {
    if (noted_jobs_.count(job.id())) still_noted.insert(job.id());
    if (auto r = refused_until_.find(job.id()); r != refused_until_.end()) still_refused.insert(*r);
  }
  noted_jobs_ = std::move(still_noted);
  refused_until_ = std::move(still_refused);
  std::vector<derm::v1::Job> unplaced;
  const std::vector<Slot> slots = PlaceQueuedJobs(std::move(queued), workers, worker_of, &unplaced);
  SubmitPilots(unplaced, now, &report);
  CancelUnneededPilots(slots, &report);
  DrainIdleWorkers(slots, now, &report);
  CancelLostPilots(worker_of, now, &report);
  return report;
}

}  // namespace derm::launcher
