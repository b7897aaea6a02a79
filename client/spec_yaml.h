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

// Specs are small; anything larger is refused before it is parsed.
inline constexpr size_t kMaxSpecBytes = 1 << 20;
// Flow collections ([...], {...}) nested deeper than this are refused before parsing (yaml-cpp
// recurses per level); a spec needs three.
inline constexpr int kMaxSpecFlowNesting = 32;

// Parses `yaml` (the text of a spec file) into a JobSpec, without applying defaults or rules.
// Refused with a problem each: more than kMaxSpecBytes, text that is not UTF-8, flow nesting
// deeper than kMaxSpecFlowNesting, and a key given twice in one mapping (both lines named).
ParsedSpec ParseSpecYaml(const std::string& yaml);

// The spec fields that hold paths (data.train_dir, model.weights, input.folder, ...).
bool IsPathField(const std::string& field);

// Parses, applies the defaults and rules (common/spec/spec_rules.h), and resolves relative
// paths against `base_dir`, in the spec and in its sweep values. Problems carry their line
// where known.
ParsedSpec LoadSpec(const std::string& yaml, const std::string& base_dir);

}  // namespace derm::client
