#include "client/spec_yaml.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "common/parse_number.h"
#include "common/spec/spec_rules.h"
#include "common/spec/sweep.h"
#include "common/strings.h"

namespace derm::client {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggest(const std::string& key, const Descriptor* d) {
  std::string best;
  size_t best_d = 4;
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string& name = d->field(i)->name();
    const size_t dist = EditDistance(key, name);
    if (dist < best_d && dist <= std::max<size_t>(2, name.size() / 3)) {
      best_d = dist;
      best = name;
    }
  }
  std::string known;
  for (int i = 0; i < d->field_count(); ++i) known += (i ? ", " : "") + d->field(i)->name();
  return best.empty() ? " (known keys: " + known + ")" : " (did you mean '" + best + "'?)";
}

class Walker {
 public:
  explicit Walker(ParsedSpec* out) : out_(out) {}

  void Message(const YAML::Node& node, google::protobuf::Message* msg, const std::string& path) {
    if (!node.IsMap()) {
      Problem(node, (path.empty() ? std::string("the spec") : path) + " must be a mapping of keys to values");
      return;
    }
    const Descriptor* d = msg->GetDescriptor();
    std::map<std::string, int> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const std::string field_path = path.empty() ? key : path + "." + key;
      if (Duplicate(kv.first, field_path, &seen)) continue;
      const FieldDescriptor* f = d->FindFieldByName(key);
      if (!f) {
        Problem(kv.first, "unknown key '" + field_path + "'" + Suggest(key, d));
        continue;
      }
      out_->lines[field_path] = kv.first.Mark().line + 1;
      Field(kv.second, msg, f, field_path);
    }
  }

 private:
  // True (and a problem naming both lines) when `key` was already in this mapping. yaml-cpp keeps
  // both entries; taking either silently would run a spec its author did not write.
  bool Duplicate(const YAML::Node& key, const std::string& path, std::map<std::string, int>* seen) {
    const int line = key.Mark().line + 1;
    const auto [it, inserted] = seen->emplace(key.Scalar(), line);
    if (inserted) return false;
    Problem(key, "duplicate key '" + path + "' (first on line " + std::to_string(it->second) + ")");
    return true;
  }

  void Problem(const YAML::Node& node, const std::string& message) {
    const int line = node.Mark().line;
    out_->problems.push_back((line >= 0 ? "line " + std::to_string(line + 1) + ": " : "") + message);
  }

  void Field(const YAML::Node& node, google::protobuf::Message* msg, const FieldDescriptor* f,
             const std::string& path) {
    const Reflection* r = msg->GetReflection();
    if (node.IsNull()) return;  // "key:" with no value keeps the default
    if (f->is_map()) {
      if (!node.IsMap()) return Problem(node, path + " must be a mapping");
      std::map<std::string, int> seen;
      for (const auto& kv : node) {
        if (Duplicate(kv.first, path + "." + kv.first.Scalar(), &seen)) continue;
        google::protobuf::Message* entry = r->AddMessage(msg, f);
        const Descriptor* ed = entry->GetDescriptor();
        const FieldDescriptor* value = ed->FindFieldByName("value");
        entry->GetReflection()->SetString(entry, ed->FindFieldByName("key"), kv.first.Scalar());
        const std::string entry_path = path + "." + kv.first.Scalar();
        if (value->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          if (!kv.second.IsScalar()) {
            Problem(kv.second, entry_path + " must be a single value");
            continue;
          }
          entry->GetReflection()->SetString(entry, value, kv.second.Scalar());
          continue;
        }
        // A message value with one repeated string field (sweep values): a list, or one value.
        google::protobuf::Message* inner = entry->GetReflection()->MutableMessage(entry, value);
        const FieldDescriptor* list = inner->GetDescriptor()->field(0);
        if (kv.second.IsScalar()) {
          inner->GetReflection()->AddString(inner, list, kv.second.Scalar());
        } else if (kv.second.IsSequence()) {
          for (const auto& item : kv.second) {
            if (!item.IsScalar()) {
              Problem(item, entry_path + " must list single values");
              continue;
            }
            inner->GetReflection()->AddString(inner, list, item.Scalar());
          }
        } else {
          Problem(kv.second, entry_path + " must be a list of values, e.g. [0.001, 0.0003]");
        }
      }
      return;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && f->is_repeated()) {  // gates: a list of mappings
      if (!node.IsSequence()) return Problem(node, path + " must be a list");
      for (size_t i = 0; i < node.size(); ++i)
        Message(node[i], r->AddMessage(msg, f), path + "[" + std::to_string(i) + "]");
      return;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message(node, r->MutableMessage(msg, f), path);
      return;
    }
    if (f->is_repeated()) {
      if (!node.IsSequence()) return Problem(node, path + " must be a list, e.g. [224, 224]");
      for (const auto& item : node) Scalar(item, msg, f, path, true);
      return;
    }
    Scalar(node, msg, f, path, false);
  }

  void Scalar(const YAML::Node& node, google::protobuf::Message* msg, const FieldDescriptor* f,
              const std::string& path, bool add) {
    if (!node.IsScalar()) return Problem(node, path + " must be a single value");
    const std::string s = node.Scalar();
    const Reflection* r = msg->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        const auto parsed = ParseInt64(s);
        const int64_t v = parsed.value_or(0);
        const bool is32 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32;
        if (!parsed || (is32 && (v < INT32_MIN || v > INT32_MAX))) {
          return Problem(node,
                         path + " must be a whole number" + (is32 ? " (32-bit)" : "") + ", got '" + s + "'");
        }
        if (is32) {
          add ? r->AddInt32(msg, f, static_cast<int32_t>(v)) : r->SetInt32(msg, f, static_cast<int32_t>(v));
        } else {
          add ? r->AddInt64(msg, f, v) : r->SetInt64(msg, f, v);
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        const auto v = ParseDouble(s);
        if (!v || !std::isfinite(*v)) return Problem(node, path + " must be a number, got '" + s + "'");
        add ? r->AddDouble(msg, f, *v) : r->SetDouble(msg, f, *v);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (s != "true" && s != "false")
          return Problem(node, path + " must be true or false, got '" + s + "'");
        add ? r->AddBool(msg, f, s == "true") : r->SetBool(msg, f, s == "true");
        return;
      }
      case FieldDescriptor::CPPTYPE_STRING:
        add ? r->AddString(msg, f, s) : r->SetString(msg, f, s);
        return;
      default:
        return Problem(node, path + " has a type YAML specs cannot set");
    }
  }

  ParsedSpec* out_;
};

// 1-based line of byte `offset` of `text`.
int LineOf(const std::string& text, size_t offset) {
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// The offset where flow collections first nest deeper than kMaxSpecFlowNesting, or npos. Skips
// quoted strings and comments; an approximation of YAML's grammar that errs towards refusing.
size_t TooDeepAt(const std::string& yaml) {
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < yaml.size(); ++i) {
    const char c = yaml[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '#' && (i == 0 || yaml[i - 1] == ' ' || yaml[i - 1] == '\t' || yaml[i - 1] == '\n')) {
      i = std::min(yaml.find('\n', i), yaml.size());
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxSpecFlowNesting) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string::npos;
}

}  // namespace

ParsedSpec ParseSpecYaml(const std::string& yaml) {
  ParsedSpec out;
  if (yaml.size() > kMaxSpecBytes) {
    out.problems.push_back("the spec is " + std::to_string(yaml.size()) + " bytes; specs are at most " +
                           std::to_string(kMaxSpecBytes) + " bytes");
    return out;
  }
  if (const size_t bad = FirstInvalidUtf8(yaml); bad != std::string::npos) {
    out.problems.push_back("line " + std::to_string(LineOf(yaml, bad)) +
                           ": the spec is not UTF-8 text (byte " + std::to_string(bad + 1) + ")");
    return out;
  }
  if (const size_t deep = TooDeepAt(yaml); deep != std::string::npos) {
    out.problems.push_back("line " + std::to_string(LineOf(yaml, deep)) +
                           ": lists or mappings nested more than " + std::to_string(kMaxSpecFlowNesting) +
                           " deep");
    return out;
  }
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!root.IsDefined() || root.IsNull()) {
      out.problems.push_back("the spec is empty");
      return out;
    }
    Walker(&out).Message(root, &out.spec, "");
  } catch (const YAML::Exception& e) {
    out.problems.push_back((e.mark.line >= 0 ? "line " + std::to_string(e.mark.line + 1) + ": " : "") +
                           "malformed YAML: " + e.msg);
  }
  return out;
}

bool IsPathField(const std::string& field) {
  // Paths on the machine dermctl runs on (infer.output_csv is a name in the scheduler's export
  // folder, not one of them).
  static const std::set<std::string> kPaths = {
      "data.train_dir", "data.test_dir", "data.table",   "data.images", "data.test_table", "data.test_images",
      "model.weights",  "model.file",    "input.folder", "input.glob",  "input.list_file"};
  return kPaths.count(field) > 0;
}

ParsedSpec LoadSpec(const std::string& yaml, const std::string& base_dir) {
  ParsedSpec out = ParseSpecYaml(yaml);
  if (!out.problems.empty()) return out;
  if (ExpandsIntoRuns(out.spec)) {
    // The scheduler expands sweeps and folds; checking the runs here reports problems before
    // submitting.
    const auto line = [&](const std::string& field) {
      auto it = out.lines.find(field);
      return it != out.lines.end() ? "line " + std::to_string(it->second) + ": " : std::string();
    };
    auto points = ExpandRuns(out.spec);
    if (!points.ok()) {
      out.problems.push_back(line("sweep") + points.status().message());
    } else {
      for (auto& point : *points) {
        ApplySpecDefaults(&point);
        for (const SpecProblem& p : ValidateSpec(point)) {
          out.problems.push_back(line("sweep") + "sweep point " + point.name() + ": " + p.field + " " +
                                 p.message);
        }
      }
    }
  }
  ApplySpecDefaults(&out.spec);
  for (const SpecProblem& p : ValidateSpec(out.spec)) {
    auto it = out.lines.find(p.field);
    out.problems.push_back((it != out.lines.end() ? "line " + std::to_string(it->second) + ": " : "") +
                           p.field + " " + p.message);
  }
  auto* data = out.spec.mutable_data();
  auto resolve = [&](const std::string& p) {
    if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
    // A spec in the current folder has an empty base_dir, which absolute() refuses.
    return (std::filesystem::absolute(base_dir.empty() ? "." : base_dir) / p).lexically_normal().string();
  };
  if (out.spec.kind() == "train") {
    data->set_train_dir(resolve(data->train_dir()));
    data->set_test_dir(resolve(data->test_dir()));
    data->set_table(resolve(data->table()));
    data->set_images(resolve(data->images()));
    data->set_test_table(resolve(data->test_table()));
    data->set_test_images(resolve(data->test_images()));
  } else {
    out.spec.clear_data();  // ApplySpecDefaults leaves an infer spec's data alone; keep it unset
  }
  auto* model = out.spec.mutable_model();
  model->set_weights(resolve(model->weights()));
  model->set_file(resolve(model->file()));
  if (out.spec.has_input()) {
    auto* in = out.spec.mutable_input();
    in->set_folder(resolve(in->folder()));
    in->set_glob(resolve(in->glob()));
    in->set_list_file(resolve(in->list_file()));
  }
  // Paths given as sweep values resolve the same way, so every point reads what its author meant.
  if (out.spec.has_sweep()) {
    for (auto& [field, values] : *out.spec.mutable_sweep()->mutable_parameters()) {
      if (!IsPathField(field)) continue;
      for (std::string& v : *values.mutable_values()) v = resolve(v);
    }
  }
  return out;
}

}  // namespace derm::client
