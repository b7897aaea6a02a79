#include "common/spec/sweep.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <cmath>

#include "common/parse_number.h"
#include "common/rng.h"
#include "common/spec/spec_rules.h"
#include "common/strings.h"

namespace derm {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

Status SetScalar(Message* m, const FieldDescriptor* f, const std::string& path, const std::string& raw,
                 bool add) {
  const auto* r = m->GetReflection();
  const std::string v = Trim(raw);
  auto bad = [&](const char* what) {
    return InvalidArgument("sweep: " + path + " must be " + what + ", got '" + v + "'");
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64: {
      const auto parsed = ParseInt64(v);
      if (!parsed) return bad("a whole number");
      const int64_t x = *parsed;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        if (x < INT32_MIN || x > INT32_MAX) return bad("a 32-bit whole number");
        add ? r->AddInt32(m, f, static_cast<int32_t>(x)) : r->SetInt32(m, f, static_cast<int32_t>(x));
      } else {
        add ? r->AddInt64(m, f, x) : r->SetInt64(m, f, x);
      }
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const auto x = ParseDouble(v);
      if (!x || !std::isfinite(*x)) return bad("a number");
      add ? r->AddDouble(m, f, *x) : r->SetDouble(m, f, *x);
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (v != "true" && v != "false") return bad("true or false");
      add ? r->AddBool(m, f, v == "true") : r->SetBool(m, f, v == "true");
      return Status::Ok();
    case FieldDescriptor::CPPTYPE_STRING:
      add ? r->AddString(m, f, v) : r->SetString(m, f, v);
      return Status::Ok();
    default:
      return InvalidArgument("sweep: " + path + " cannot be swept");
  }
}

}  // namespace

Status SetSpecField(derm::v1::JobSpec* spec, const std::string& path, const std::string& value) {
  if (path == "sweep" || path.rfind("sweep.", 0) == 0 || path == "kind") {
    return InvalidArgument("sweep: " + path + " cannot be swept");
  }
  Message* m = spec;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(name);
    if (!f) return InvalidArgument("sweep: unknown spec field " + path);
    if (f->is_map()) return InvalidArgument("sweep: " + path + " cannot be swept");
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      if (dot == std::string::npos) return InvalidArgument("sweep: " + path + " is a section, not a field");
      m = m->GetReflection()->MutableMessage(m, f);
      start = dot + 1;
      continue;
    }
    if (dot != std::string::npos) return InvalidArgument("sweep: unknown spec field " + path);
    if (!f->is_repeated()) return SetScalar(m, f, path, value, false);
    m->GetReflection()->ClearField(m, f);
    std::string list = Trim(value);
    if (list.size() >= 2 && list.front() == '[' && list.back() == ']') list = list.substr(1, list.size() - 2);
    for (const auto& item : Split(list, ',')) DERM_RETURN_IF_ERROR(SetScalar(m, f, path, item, true));
    return Status::Ok();
  }
}

Status CheckSweepEarlyStopping(const derm::v1::SweepEarlyStopping& e) {
  if (e.type() != "asha")
    return InvalidArgument("sweep.early_stopping.type must be \"asha\", got \"" + e.type() + "\"");
  if (!e.metric().empty() && !IsStopMetric(e.metric())) {
    return InvalidArgument(
        "sweep.early_stopping.metric must be val_loss, val_accuracy or val_balanced_accuracy, got \"" +
        e.metric() + "\"");
  }
  if (e.has_grace_epochs() && (e.grace_epochs() < 1 || e.grace_epochs() > 10000)) {
    return InvalidArgument("sweep.early_stopping.grace_epochs must be between 1 and 10000");
  }
  if (e.has_reduction_factor() && (e.reduction_factor() < 2 || e.reduction_factor() > 100)) {
    return InvalidArgument("sweep.early_stopping.reduction_factor must be between 2 and 100");
  }
  return Status::Ok();
}

StatusOr<std::vector<derm::v1::JobSpec>> ExpandSweep(const derm::v1::JobSpec& spec) {
  const auto& sweep = spec.sweep();
  if (sweep.method() != "grid" && sweep.method() != "random") {
    return InvalidArgument("sweep.method must be \"grid\" or \"random\", got \"" + sweep.method() + "\"");
  }
  if (sweep.parameters().empty()) return InvalidArgument("sweep.parameters is empty");
  if (sweep.has_early_stopping()) DERM_RETURN_IF_ERROR(CheckSweepEarlyStopping(sweep.early_stopping()));
  // Sorted paths give a stable point order.
  std::map<std::string, std::vector<std::string>> params;
  int64_t grid = 1;
  for (const auto& [path, values] : sweep.parameters()) {
    if (values.values().empty()) return InvalidArgument("sweep.parameters." + path + " has no values");
    params[path] = {values.values().begin(), values.values().end()};
    grid *= values.values_size();
    if (grid > 1000000) return InvalidArgument("sweep: the grid has more than 1000000 points");
  }
  std::vector<int64_t> points;
  if (sweep.method() == "grid") {
    if (grid > kMaxSweepPoints) {
      return InvalidArgument("sweep: the grid has " + std::to_string(grid) + " points, more than " +
                             std::to_string(kMaxSweepPoints) + "; use method: random with trials");
    }
    for (int64_t i = 0; i < grid; ++i) points.push_back(i);
  } else {
    if (sweep.trials() < 1 || sweep.trials() > kMaxSweepPoints) {
      return InvalidArgument("sweep.trials must be between 1 and " + std::to_string(kMaxSweepPoints));
    }
    if (sweep.trials() > grid) {
      return InvalidArgument("sweep.trials " + std::to_string(sweep.trials()) + " is more than the " +
                             std::to_string(grid) + " distinct points");
    }
    std::vector<int64_t> all(grid);
    for (int64_t i = 0; i < grid; ++i) all[i] = i;
    Rng rng(static_cast<uint64_t>(sweep.seed()));
    rng.Shuffle(all);
    points.assign(all.begin(), all.begin() + sweep.trials());
  }
  std::vector<derm::v1::JobSpec> out;
  for (size_t p = 0; p < points.size(); ++p) {
    derm::v1::JobSpec point = spec;
    point.clear_sweep();
    int64_t index = points[p];
    std::string label;
    for (auto it = params.rbegin(); it != params.rend(); ++it) {  // last path varies fastest
      const auto& values = it->second;
      const std::string& v = values[index % values.size()];
      index /= static_cast<int64_t>(values.size());
      DERM_RETURN_IF_ERROR(SetSpecField(&point, it->first, v));
      label = it->first.substr(it->first.rfind('.') + 1) + "=" + v + (label.empty() ? "" : ",") + label;
    }
    point.set_name(spec.name() + "[" + label + "]");
    (*point.mutable_tags())["sweep.point"] = std::to_string(p);
    out.push_back(std::move(point));
  }
  return out;
}

bool ExpandsIntoRuns(const derm::v1::JobSpec& spec) {
  const auto& cv = spec.data().cross_validation();
  return spec.has_sweep() || (cv.folds() > 0 && cv.fold() == 0);
}

StatusOr<std::vector<derm::v1::JobSpec>> ExpandRuns(const derm::v1::JobSpec& spec) {
  std::vector<derm::v1::JobSpec> points;
  if (spec.has_sweep()) {
    DERM_ASSIGN_OR_RETURN(points, ExpandSweep(spec));
  } else {
    points.push_back(spec);
  }
  const auto& cv = spec.data().cross_validation();
  if (cv.folds() == 0 || cv.fold() != 0) return points;
  if (cv.folds() < 2 || cv.folds() > 20) {
    return InvalidArgument("data.cross_validation.folds must be between 2 and 20, got " +
                           std::to_string(cv.folds()));
  }
  if (spec.sweep().has_early_stopping())
    return InvalidArgument(
        "sweep.early_stopping (ASHA) would stop some folds of a point and not others: not with "
        "data.cross_validation");
  if (points.size() * static_cast<size_t>(cv.folds()) > static_cast<size_t>(kMaxSweepPoints)) {
    return InvalidArgument("the sweep's " + std::to_string(points.size()) + " points x " +
                           std::to_string(cv.folds()) + " folds are more than " +
                           std::to_string(kMaxSweepPoints) + " runs");
  }
  std::vector<derm::v1::JobSpec> out;
  for (size_t p = 0; p < points.size(); ++p) {
    for (int fold = 1; fold <= cv.folds(); ++fold) {
      derm::v1::JobSpec run = points[p];
      auto* c = run.mutable_data()->mutable_cross_validation();
      c->set_fold(fold);
      c->set_group(points[p].name());
      run.set_name(points[p].name() + "[fold=" + std::to_string(fold) + "/" + std::to_string(cv.folds()) +
                   "]");
      (*run.mutable_tags())["sweep.point"] = std::to_string(p * static_cast<size_t>(cv.folds()) + (fold - 1));
      out.push_back(std::move(run));
    }
  }
  return out;
}

}  // namespace derm
