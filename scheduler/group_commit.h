// GroupCommit: concurrent callers share one commit. The first caller that finds no commit running
// becomes the leader: it takes every request queued so far, runs the commit function on the batch
// with no lock held, and wakes the others, whose results the batch filled in.
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace derm::scheduler {

template <typename Request, typename Result>
class GroupCommit {
 public:
  struct Item {
    Request request;
    Result result;
  };
  // `commit` must set every item's result.
  explicit GroupCommit(std::function<void(const std::vector<Item*>&)> commit) : commit_(std::move(commit)) {}

  // Commits `request` (with any others queued meanwhile) and returns its result. `unset` is the
  // result until the commit sets it, and stays it when the commit function throws (the exception
  // stops here; the next batch gets a leader).
  Result Run(Request request, Result unset) {
    Item me{std::move(request), std::move(unset)};
    bool done = false;
    MutexLock lock(&mu_);
    queue_.push_back({&me, &done});
    while (!done) {
      if (leader_) {
        cv_.wait(lock.native());
        continue;
      }
      leader_ = true;
      std::vector<std::pair<Item*, bool*>> batch;
      batch.swap(queue_);
      lock.Unlock();
      std::vector<Item*> items;
      for (auto& [item, flag] : batch) items.push_back(item);
      try {
        commit_(items);
      } catch (...) {  // the batch keeps its unset results; the next caller must not wait forever
      }
      lock.Lock();
      for (auto& [item, flag] : batch) *flag = true;
      leader_ = false;
      cv_.notify_all();
    }
    return std::move(me.result);
  }

 private:
  const std::function<void(const std::vector<Item*>&)> commit_;
  Mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Item*, bool*>> queue_ DERM_GUARDED_BY(mu_);
  bool leader_ DERM_GUARDED_BY(mu_) = false;
};

}  // namespace derm::scheduler
