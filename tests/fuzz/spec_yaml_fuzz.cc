// The spec YAML reader (client/spec_yaml.h) and the rules every spec passes (common/spec).
#include <string>

#include "client/spec_yaml.h"
#include "common/spec/spec_rules.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  derm::client::ParsedSpec parsed = derm::client::ParseSpecYaml(yaml);
  if (parsed.problems.empty()) {
    derm::ApplySpecDefaults(&parsed.spec);
    (void)derm::ValidateSpec(parsed.spec);  // the problems are the result; nothing may crash
  }
  return 0;
}
