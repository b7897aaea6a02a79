// Decode-cache files (worker/data/decode_cache.h), read both into RAM and as a file-backed set.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "worker/data/decode_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/derm-fuzz-cache-" + std::to_string(getpid()) + ".dermcache";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  for (int64_t budget : {int64_t{0}, int64_t{1}}) (void)derm::data::ReadCache(path, budget).ok();
  std::remove(path.c_str());
  return 0;
}
