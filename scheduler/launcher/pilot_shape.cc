#include "scheduler/launcher/pilot_shape.h"

#include <algorithm>

#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::launcher {
namespace {

constexpr std::string_view kPrefix = "derm:";

bool SafeLabel(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._:=-").find(c) != std::string_view::npos;
  });
}

// The values of labels "key=VALUE", joined by `sep`.
std::string ValuesOf(const PilotShape& shape, std::string_view key, std::string_view sep) {
  std::string out;
  for (const auto& l : shape.labels) {
    if (l.size() > key.size() + 1 && l.compare(0, key.size(), key) == 0 && l[key.size()] == '=') {
      out += (out.empty() ? "" : std::string(sep)) + l.substr(key.size() + 1);
    }
  }
  return out;
}

void Normalise(std::vector<std::string>* labels) {
  std::sort(labels->begin(), labels->end());
  labels->erase(std::unique(labels->begin(), labels->end()), labels->end());
}

}  // namespace

PilotShape ShapeFor(const derm::v1::JobSpec& job, int64_t min_memory_mb) {
  PilotShape s;
  s.gpus = std::max(0, job.resources().gpus());
  s.memory_mb = std::max(job.resources().memory_mb(), min_memory_mb);
  s.labels.assign(job.resources().labels().begin(), job.resources().labels().end());
  Normalise(&s.labels);
  return s;
}

Status CheckLaunchable(const PilotShape& shape) {
  for (const auto& l : shape.labels) {
    if (!SafeLabel(l)) {
      return InvalidArgument("label '" + l.substr(0, 64) +
                             "' cannot go into a batch script: use 1-64 characters of A-Z a-z 0-9 . _ : = -");
    }
  }
  if (ValuesOf(shape, "partition", ",").find(',') != std::string::npos)
    return InvalidArgument("a job may name one partition= label");
  return Status::Ok();
}

std::string PartitionOf(const PilotShape& shape) { return ValuesOf(shape, "partition", ","); }
std::string ConstraintOf(const PilotShape& shape) { return ValuesOf(shape, "constraint", "&"); }

std::string EncodeShape(const PilotShape& shape) {
  std::string labels;
  for (const auto& l : shape.labels) labels += (labels.empty() ? "" : "+") + l;
  return std::string(kPrefix) + "gpus=" + std::to_string(shape.gpus) +
         ",mem=" + std::to_string(shape.memory_mb) + ",labels=" + labels;
}

std::optional<PilotShape> DecodeShape(std::string_view comment) {
  if (comment.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  PilotShape s;
  bool gpus = false, mem = false, labels = false;
  for (const auto& field : Split(std::string(comment.substr(kPrefix.size())), ',')) {
    const size_t eq = field.find('=');
    if (eq == std::string::npos) return std::nullopt;
    const std::string key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "gpus") {
      auto n = ParseInt64(value);
      if (!n || *n < 0 || *n > 1024) return std::nullopt;
      s.gpus = static_cast<int32_t>(*n);
      gpus = true;
    } else if (key == "mem") {
      auto n = ParseInt64(value);
      if (!n || *n < 0) return std::nullopt;
      s.memory_mb = *n;
      mem = true;
    } else if (key == "labels") {
      if (!value.empty()) s.labels = Split(value, '+');
      labels = true;
    } else {
      return std::nullopt;
    }
  }
  if (!gpus || !mem || !labels) return std::nullopt;
  Normalise(&s.labels);
  return s;
}

derm::v1::RegisterWorkerRequest AsWorker(const PilotShape& shape) {
  derm::v1::RegisterWorkerRequest w;
  w.set_gpus(shape.gpus);
  w.set_memory_mb(shape.memory_mb);
  for (const auto& l : shape.labels) w.add_labels(l);
  return w;
}

PilotShape ShapeOf(const derm::v1::WorkerInfo& worker) {
  PilotShape s;
  s.gpus = worker.gpus();
  s.memory_mb = worker.memory_mb();
  s.labels.assign(worker.labels().begin(), worker.labels().end());
  Normalise(&s.labels);
  return s;
}

}  // namespace derm::launcher
