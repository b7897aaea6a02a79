// ParallelFor: runs body(i) for every i in [begin, end) on `threads` threads (the caller's among
// them), handing out indices one at a time. `threads` <= 0 means one per hardware thread.
// `body` must not throw and must be safe to run concurrently for different indices.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace derm {

inline int ThreadsOrAllCores(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

inline void ParallelFor(size_t begin, size_t end, int threads, const std::function<void(size_t)>& body) {
  std::atomic<size_t> next{begin};
  auto work = [&] {
    for (size_t i; (i = next++) < end;) body(i);
  };
  std::vector<std::thread> pool;
  const size_t helpers =
      std::min<size_t>(static_cast<size_t>(ThreadsOrAllCores(threads)) - 1, end - std::min(begin, end));
  for (size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace derm
