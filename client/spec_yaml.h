// Reading a job spec from YAML. The YAML keys are the JobSpec proto field names, walked by
// reflection, so the proto stays the one source of truth. Every problem is reported with its
// line; an unknown key gets a "did you mean". yaml-cpp's exceptions stop here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "derm/v1/spec.pb.h"

namespace derm::client {

struct ParsedSpec {
  derm::v1::JobSpec spec;
  std::map<std::string, int> lines;   // dotted field path -> 1-based line
  std::vector<std::string> problems;  // "line N: message"; empty when the YAML maps cleanly
};

// Parses `yaml` (the text of a spec file) into a JobSpec, without applying defaults or rules.
ParsedSpec ParseSpecYaml(const std::string& yaml);

// Parses, applies the defaults and rules (common/rpc/spec_rules.h), and resolves relative
// data and weights paths against `base_dir`. Problems carry their line where known.
ParsedSpec LoadSpec(const std::string& yaml, const std::string& base_dir);

}  // namespace derm::client
