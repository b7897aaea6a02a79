#include "scheduler/job_queue.h"

#include <algorithm>

namespace derm::scheduler {

void JobQueue::Add(int64_t job_id, const derm::v1::JobSpec& spec, int64_t not_before_ms, int64_t now_ms) {
  order_.insert(KeyOf(job_id, spec));
  entries_[job_id] = Entry{spec, not_before_ms, now_ms, {}};
}

void JobQueue::AddShards(int64_t job_id, const derm::v1::JobSpec& spec, const std::vector<int32_t>& shards,
                         int64_t now_ms) {
  if (shards.empty()) return;
  auto [it, added] = entries_.try_emplace(job_id);
  Entry& e = it->second;
  if (added) {
    e.spec = spec;
    e.enqueued_ms = now_ms;
  }
  const std::set<int32_t> present(e.shards.begin(), e.shards.end());
  for (int32_t s : shards) {
    if (!present.count(s)) e.shards.push_back(s);
  }
  order_.insert(KeyOf(job_id, spec));
}

void JobQueue::Remove(int64_t job_id) {
  auto it = entries_.find(job_id);
  if (it == entries_.end()) return;
  order_.erase(KeyOf(job_id, it->second.spec));
  entries_.erase(it);
}

int32_t JobQueue::PopShard(int64_t job_id) {
  Entry& e = entries_.at(job_id);
  const int32_t shard = e.shards.front();
  e.shards.pop_front();
  if (e.shards.empty()) Remove(job_id);
  return shard;
}

JobQueue::Pick JobQueue::Next(const std::function<bool(const derm::v1::JobSpec&)>& fits,
                              int64_t now_ms) const {
  Pick pick;
  for (const Key& key : order_) {
    const Entry& e = entries_.at(key.second);
    if (!fits(e.spec)) continue;
    if (e.not_before_ms > now_ms) {
      pick.next_ready_ms = std::min(pick.next_ready_ms, e.not_before_ms);
      continue;
    }
    pick.job_id = key.second;
    pick.entry = &e;
    return pick;
  }
  return pick;
}

int64_t RetryBackoffMs(int32_t attempts, int64_t base_ms, int64_t max_ms) {
  const int shift = std::clamp(attempts - 1, 0, 20);
  return std::min(base_ms << shift, max_ms);
}

}  // namespace derm::scheduler
