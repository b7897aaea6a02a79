// The run filter language (store/run_query.h): "FILTER\nORDER_BY".
#include <string>

#include "store/run_query.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string filter = input.substr(0, nl);
  const std::string order = nl == std::string::npos ? "" : input.substr(nl + 1);
  (void)derm::store::CompileRunQuery(filter, order).ok();
  return 0;
}
