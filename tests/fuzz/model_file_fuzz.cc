// Exported model files (worker/core/model_file.h).
#include <string_view>

#include "tests/fuzz/fuzz_target.h"
#include "worker/core/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)derm::core::LoadModel(std::string_view(reinterpret_cast<const char*>(data), size), at::kCPU).ok();
  return 0;
}
