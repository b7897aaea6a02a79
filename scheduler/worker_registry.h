// WorkerRegistry: the workers registered with this scheduler process, what each offers, whether
// it is draining, and when it last called (a worker silent for the lease timeout is LOST until
// it calls again). The workers table keeps the durable record.
// Thread-safety: not thread-safe; the Scheduler guards it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto/secret.h"
#include "common/crypto/sha256.h"
#include "common/status_or.h"
#include "derm/v1/workers.pb.h"

namespace derm::scheduler {

struct RegisteredWorker {
  derm::v1::RegisterWorkerRequest spec;  // what it offers: GPUs, memory, labels
  std::string key_sha256;                // of the key it was given: every call must carry the key
  bool draining = false;                 // finishes its task, then is told to leave
  bool gone = false;                     // drained and left
  bool lost = false;                     // silent for longer than the timeout
  int64_t last_seen_ms = 0;              // its latest registration, heartbeat or poll
  int polls = 0;                         // long polls it has open now (alive while polling)
};

class WorkerRegistry {
 public:
  static constexpr size_t kMaxKeyBytes = 128;

  void Add(int64_t worker_id, const derm::v1::RegisterWorkerRequest& spec, std::string key_sha256,
           int64_t now_ms) {
    RegisteredWorker& w = workers_[worker_id];
    w.spec = spec;
    w.key_sha256 = std::move(key_sha256);
    w.last_seen_ms = now_ms;
  }
  // nullptr when the worker did not register with this process.
  RegisteredWorker* Find(int64_t worker_id) {
    auto it = workers_.find(worker_id);
    return it == workers_.end() ? nullptr : &it->second;
  }
  // The worker `worker_id` when `key` is the key it was given: NOT_FOUND when it did not register
  // with this process, PERMISSION_DENIED for another key.
  StatusOr<RegisteredWorker*> Caller(int64_t worker_id, const std::string& key) {
    RegisteredWorker* worker = Find(worker_id);
    if (!worker) return NotFound("worker " + std::to_string(worker_id) + " is not registered");
    // Keys are 49 characters: a longer one is wrong without hashing it (under the writer lock).
    if (key.size() > kMaxKeyBytes || !SecretsEqual(Sha256Hex(key), worker->key_sha256)) {
      return PermissionDenied("the worker key is not worker " + std::to_string(worker_id) +
                              "'s: only the process that registered as a worker may call as it");
    }
    return worker;
  }
  // The worker called at now_ms. True when it was lost until now.
  static bool Seen(RegisteredWorker* w, int64_t now_ms) {
    w->last_seen_ms = std::max(w->last_seen_ms, now_ms);
    const bool was_lost = w->lost;
    w->lost = false;
    return was_lost;
  }
  // What the workers that may take new work offer (not draining, gone or lost).
  std::vector<const derm::v1::RegisterWorkerRequest*> Available() const {
    std::vector<const derm::v1::RegisterWorkerRequest*> out;
    for (const auto& [id, w] : workers_) {
      if (!w.draining && !w.gone && !w.lost) out.push_back(&w.spec);
    }
    return out;
  }
  // Marks lost, and returns, the workers silent since before `cutoff_ms` that are not polling,
  // gone or lost already.
  std::vector<int64_t> MarkLostBefore(int64_t cutoff_ms) {
    std::vector<int64_t> lost;
    for (auto& [id, w] : workers_) {
      if (w.gone || w.lost || w.polls > 0 || w.last_seen_ms >= cutoff_ms) continue;
      w.lost = true;
      lost.push_back(id);
    }
    return lost;
  }

 private:
  std::map<int64_t, RegisteredWorker> workers_;
};

}  // namespace derm::scheduler
