#include "scheduler/lease_timer.h"

namespace derm::scheduler {

LeaseTimer::LeaseTimer(Scheduler* scheduler, std::chrono::milliseconds period)
    : scheduler_(scheduler), period_(period), timer_(io_) {}

LeaseTimer::~LeaseTimer() { Stop(); }

void LeaseTimer::Arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled
    scheduler_->ExpireLeases();
    Arm();
  });
}

void LeaseTimer::Start() {
  Arm();
  thread_ = std::thread([this] { io_.run(); });
}

void LeaseTimer::Stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

}  // namespace derm::scheduler
