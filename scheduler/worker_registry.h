// WorkerRegistry: the workers registered with this scheduler process, what each offers and
// whether it is draining. The workers table keeps the durable record.
// Thread-safety: not thread-safe; the Scheduler guards it.
#pragma once

#include <cstdint>
#include <map>

#include "derm/v1/workers.pb.h"

namespace derm::scheduler {

struct RegisteredWorker {
  derm::v1::RegisterWorkerRequest spec;  // what it offers: GPUs, memory, labels
  bool draining = false;                 // finishes its task, then is told to leave
};

class WorkerRegistry {
 public:
  void Add(int64_t worker_id, const derm::v1::RegisterWorkerRequest& spec) {
    workers_[worker_id].spec = spec;
  }
  // nullptr when the worker did not register with this process.
  RegisteredWorker* Find(int64_t worker_id) {
    auto it = workers_.find(worker_id);
    return it == workers_.end() ? nullptr : &it->second;
  }

 private:
  std::map<int64_t, RegisteredWorker> workers_;
};

}  // namespace derm::scheduler
