// JobQueue: the jobs waiting for a worker, in scheduling order (higher priority first, then older
// job first), each with its retry backoff and, for an inference job, the shards still waiting.
// No I/O and no clock of its own: callers pass the time.
// Thread-safety: not thread-safe; the Scheduler guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "derm/v1/jobs.pb.h"

namespace derm::scheduler {

class JobQueue {
 public:
  struct Entry {
    derm::v1::JobSpec spec;
    int64_t not_before_ms = 0;  // retry backoff: not leased before
    int64_t enqueued_ms = 0;
    std::deque<int32_t> shards;  // infer: shards waiting; the job leaves the queue when empty
  };

  // Queues a training job (again), not to be leased before `not_before_ms`.
  void Add(int64_t job_id, const derm::v1::JobSpec& spec, int64_t not_before_ms, int64_t now_ms);
  // Queues those of an inference job's `shards` that are not queued already.
  void AddShards(int64_t job_id, const derm::v1::JobSpec& spec, const std::vector<int32_t>& shards,
                 int64_t now_ms);
  // Removes the job (no-op when it is not queued).
  void Remove(int64_t job_id);
  // The job's entry; nullptr when it is not queued.
  const Entry* Find(int64_t job_id) const {
    auto it = entries_.find(job_id);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // Takes the first waiting shard of a queued inference job; the job leaves the queue with its
  // last shard. The job must be queued with a shard.
  int32_t PopShard(int64_t job_id);

  struct Pick {
    int64_t job_id = 0;                 // 0: nothing to lease now
    const Entry* entry = nullptr;       // valid until the queue changes
    int64_t next_ready_ms = INT64_MAX;  // without a pick: the earliest backoff end among fitting jobs
  };
  // The first job in scheduling order that `fits` accepts and whose backoff has ended at `now_ms`.
  Pick Next(const std::function<bool(const derm::v1::JobSpec&)>& fits, int64_t now_ms) const;

  // Calls fn(job_id, entry) for every queued job.
  void ForEach(const std::function<void(int64_t, const Entry&)>& fn) const {
    for (const auto& [id, e] : entries_) fn(id, e);
  }
  size_t size() const { return entries_.size(); }

 private:
  using Key = std::pair<int64_t, int64_t>;  // (-priority, job id): iteration order is scheduling order
  static Key KeyOf(int64_t job_id, const derm::v1::JobSpec& spec) {
    return {-static_cast<int64_t>(spec.priority()), job_id};
  }
  std::set<Key> order_;
  std::map<int64_t, Entry> entries_;  // by job id
};

// How long a job waits before its next attempt after `attempts` attempts:
// base_ms * 2^(attempts - 1), at most max_ms.
int64_t RetryBackoffMs(int32_t attempts, int64_t base_ms, int64_t max_ms);

}  // namespace derm::scheduler
