#include "worker/out_of_memory.h"

#include <c10/util/Exception.h>

#include <new>
#include <string_view>

namespace derm::worker {

bool IsOutOfMemory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return true;
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr) return true;
  const std::string_view what = e.what();
  for (std::string_view sign :
       {"CUDA out of memory", "can't allocate memory", "not enough memory", "CUDNN_STATUS_ALLOC_FAILED"}) {
    if (what.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace derm::worker
