// The .safetensors reader (worker/core/safetensors.h), its JSON header reader included.
#include <string_view>

#include "tests/fuzz/fuzz_target.h"
#include "worker/core/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  derm::core::Metadata metadata;
  (void)derm::core::ParseSafetensors(std::string_view(reinterpret_cast<const char*>(data), size), &metadata)
      .ok();
  return 0;
}
