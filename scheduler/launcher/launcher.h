// Launcher: matches the queue to pilots. Each Tick() reads the QUEUED jobs, the workers and the
// batch system's pilots, then:
//  - gives each queued job an idle worker or a pilot not yet started that fits it, and submits a
//    pilot of the job's shape for every job left over (at most max_workers pilots alive, at most
//    max_submits_per_minute submissions);
//  - cancels pilots still pending in the batch system that no queued job needs any more (the job
//    was cancelled, or another worker took it);
//  - drains its workers idle for idle_timeout_ms that no queued job fits (they finish and exit,
//    which ends their batch job);
//  - cancels pilots whose worker was lost (or left) while the batch job still runs, after
//    lost_grace_ms;
//  - pauses submissions when pilots keep ending before their worker registers (3 in a row:
//    1 minute, doubling up to 30), so a broken set-up is not resubmitted forever; a job whose
//    pilot the batch system refuses waits 5 minutes before the next try.
// Pilots are known by their batch job name and the shape in their comment, so a restarted
// launcher carries on with those it had. Preempted or failed pilots need nothing: their workers
// give the job back (or their leases expire) and the job, queued again, gets a new pilot.
// Thread-safety: not thread-safe; one thread calls Tick().
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status_or.h"
#include "scheduler/launcher/batch_system.h"
#include "scheduler/launcher/sbatch_script.h"
#include "scheduler/launcher/scheduler_api.h"

namespace derm::launcher {

struct LauncherOptions {
  int max_workers = 8;              // pilots alive at once (pending or running)
  int max_submits_per_minute = 10;  // pilot submissions in any 60 s
  int64_t idle_timeout_ms = 300000;
  int64_t lost_grace_ms = 60000;
  int64_t min_memory_mb = 4096;    // a pilot's memory when its job asks for less
  int32_t max_gpus_per_pilot = 8;  // jobs asking for more are left alone (and said so)
  PilotTemplate pilot;
};

// What one Tick() did, for the log and for tests.
struct TickReport {
  std::vector<std::string> submitted;  // batch job ids
  std::vector<std::string> cancelled;
  std::vector<int64_t> drained;    // worker ids
  std::vector<std::string> notes;  // why something was not done, once per cause
};

class Launcher {
 public:
  Launcher(LauncherOptions options, SchedulerApi* scheduler, BatchSystem* batch, const Clock* clock);
  // One round. Nothing is done when the scheduler or the batch system cannot be read.
  StatusOr<TickReport> Tick();

 private:
  struct Pilot {
    PilotShape shape;
    BatchJobState state = BatchJobState::kPending;
  };
  // A place a queued job could go: an idle worker, or a pilot whose worker has not registered.
  struct Slot {
    derm::v1::RegisterWorkerRequest offer;  // what it offers, as placement reads it
    int64_t worker_id = 0;                  // 0: a pilot not started yet
    std::string pilot;                      // "" for a worker the launcher did not start
    bool claimed = false;
  };

  static constexpr int kFailedStartsBeforePause = 3;
  static constexpr int64_t kMaxPauseMs = 30 * 60000;
  static constexpr int64_t kRefusedJobRetryMs = 5 * 60000;

  void Note(TickReport* report, const std::string& key, const std::string& text);
  // The same for a cause that is job `id`'s own; forgotten when the job leaves the queue.
  void NoteJob(TickReport* report, int64_t id, const std::string& text);
  // The id of the live pilot `worker` registered from ("" when none).
  std::string PilotOf(const derm::v1::WorkerInfo& worker) const;
  // pilots_ := the pilots the batch system lists as alive; says which ended.
  void TrackPilots(const std::vector<BatchJob>& listed, const std::vector<derm::v1::WorkerInfo>& workers,
                   int64_t now, TickReport* report);
  // Gives each queued job, by priority then age, a slot that fits; the rest go to `unplaced`.
  std::vector<Slot> PlaceQueuedJobs(std::vector<derm::v1::Job> queued,
                                    const std::vector<derm::v1::WorkerInfo>& workers,
                                    const std::map<std::string, const derm::v1::WorkerInfo*>& worker_of,
                                    std::vector<derm::v1::Job>* unplaced) const;
  void SubmitPilots(const std::vector<derm::v1::Job>& unplaced, int64_t now, TickReport* report);
  void CancelUnneededPilots(const std::vector<Slot>& slots, TickReport* report);
  void DrainIdleWorkers(const std::vector<Slot>& slots, int64_t now, TickReport* report);
  void CancelLostPilots(const std::map<std::string, const derm::v1::WorkerInfo*>& worker_of, int64_t now,
                        TickReport* report);
  // Counts a pilot that ended before its worker registered; pauses submissions after several.
  void EndedPilot(bool had_worker, const BatchJob& pilot, int64_t now, TickReport* report);
  bool MaySubmit(int64_t now);

  const LauncherOptions options_;
  SchedulerApi* scheduler_;
  BatchSystem* batch_;
  const Clock* clock_;
  std::map<std::string, Pilot> pilots_;        // alive pilots by batch job id
  std::map<int64_t, int64_t> idle_since_;      // worker id -> when it was first seen idle
  std::map<std::string, int64_t> lost_since_;  // pilot -> when its worker was first seen lost
  std::deque<int64_t> recent_submits_;         // times of the submissions of the last minute
  std::set<std::string> noted_;                // causes already written to the log
  std::set<int64_t> noted_jobs_;               // queued jobs whose own cause was written
  std::map<int64_t, int64_t> refused_until_;   // queued job -> no pilot submitted for it before
  int failed_starts_ = 0;                      // pilots in a row that ended without a worker
  int64_t paused_until_ = 0;                   // no submissions before this
};

}  // namespace derm::launcher
