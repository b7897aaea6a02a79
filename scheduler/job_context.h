// JobContext: what the Scheduler's parts that change jobs share: pointers to the objects the
// Scheduler's writer lock guards. It is made only under that lock (Scheduler::ContextLocked, or
// held by the lock-guarded InferenceJobs), and used only while it is held.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/status_or.h"
#include "derm/v1/jobs.pb.h"
#include "derm/v1/workers.pb.h"
#include "scheduler/change_feed.h"
#include "scheduler/job_queue.h"
#include "scheduler/lease_table.h"
#include "scheduler/scheduler_options.h"
#include "store/store.h"

namespace derm::scheduler {

struct JobContext {
  store::Store* store;
  JobQueue* queue;
  LeaseTable* leases;
  ChangeFeed* changes;
  std::condition_variable* work;  // notified when the queue gains a job or shard
  const Clock* clock;
  const SchedulerOptions* options;

  int64_t now() const { return clock->NowMillis(); }
  // Ends the job (any kind) in `state` and every lease it holds; their workers learn at their
  // next heartbeat.
  // A new attempt of a job one of whose attempts ran out of memory gets half the images per
  // backbone pass that did (identical maths), recorded on the attempt.
  Status HalveBackboneBatchAfterOutOfMemory(int64_t attempt_id, derm::v1::Task* task) const {
    DERM_ASSIGN_OR_RETURN(const int32_t too_many, store->attempts().OutOfMemoryBatch(task->job_id()));
    if (too_many == 0) return Status::Ok();
    task->set_backbone_batch(std::max(1, too_many / 2));
    return store->attempts().SetBackboneBatch(attempt_id, task->backbone_batch());
  }
  Status EndJob(int64_t job_id, store::AttemptState attempt_state, derm::v1::JobState state,
                const std::string& cause) const {
    leases->RemoveJob(job_id);
    queue->Remove(job_id);
    DERM_RETURN_IF_ERROR(store->attempts().EndJob(job_id, attempt_state, state, cause, now()));
    changes->Notify();
    return Status::Ok();
  }
};

}  // namespace derm::scheduler
