// LeaseTimer: a Boost.Asio steady timer that calls Scheduler::ExpireLeases() periodically on its
// own thread. Thread-safety: Start/Stop from one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <thread>

#include "scheduler/scheduler.h"

namespace derm::scheduler {

class LeaseTimer {
 public:
  LeaseTimer(Scheduler* scheduler, std::chrono::milliseconds period);
  ~LeaseTimer();
  void Start();
  void Stop();

 private:
  void Arm();
  Scheduler* scheduler_;
  std::chrono::milliseconds period_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
};

}  // namespace derm::scheduler
