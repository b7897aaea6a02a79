// How an attempt ended (or that it runs), as the attempts table stores it.
#pragma once

namespace derm::store {

enum class AttemptState { kRunning, kSucceeded, kFailed, kCancelled, kWorkerLost, kPreempted };

// The stored name: RUNNING, SUCCEEDED, FAILED, CANCELLED, WORKER_LOST, PREEMPTED.
constexpr const char* AttemptStateName(AttemptState s) {
  switch (s) {
    case AttemptState::kRunning:
      return "RUNNING";
    case AttemptState::kSucceeded:
      return "SUCCEEDED";
    case AttemptState::kFailed:
      return "FAILED";
    case AttemptState::kCancelled:
      return "CANCELLED";
    case AttemptState::kWorkerLost:
      return "WORKER_LOST";
    case AttemptState::kPreempted:
      return "PREEMPTED";
  }
  return "RUNNING";
}

}  // namespace derm::store
