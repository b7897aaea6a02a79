#include "client/report_printer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "client/evaluation_printer.h"
#include "common/strings.h"

namespace derm::client {
namespace {

std::string Pad(std::string s, size_t w) {
  if (s.size() < w) s.insert(0, w - s.size(), ' ');
  return s;
}

}  // namespace

void PrintJobLine(const derm::v1::Job& job, std::ostream& out) {
  out << "job " << job.id() << "  run " << job.run_id() << "  " << derm::v1::JobState_Name(job.state())
      << "  " << job.spec().name() << "  attempts " << job.attempts();
  if (!job.message().empty()) out << "  (" << job.message() << ")";
  out << "\n";
}

std::string Duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

std::string ProgressBar(const derm::v1::Progress& p, int total_epochs) {
  const int width = 24;
  const double share = p.images_total() ? static_cast<double>(p.images_done()) / p.images_total() : 0;
  const int filled = std::clamp(static_cast<int>(share * width), 0, width);
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] epoch " +
         std::to_string(p.epoch()) + "/" + std::to_string(total_epochs) + "  " +
         std::to_string(p.images_done()) + "/" + std::to_string(p.images_total()) + " images  " +
         FormatFixed(p.images_per_second(), 0) + " img/s  ETA " + Duration(p.eta_seconds());
}

void PrintEpochLine(const derm::v1::EpochMetrics& m, int total, std::ostream& out) {
  out << "epoch " << m.epoch() << "/" << total << "  loss " << FormatFixed(m.loss(), 4) << "  accuracy "
      << FormatFixed(m.accuracy(), 4) << "  val_loss " << FormatFixed(m.validation().loss(), 4)
      << "  val_accuracy " << FormatFixed(m.validation().accuracy(), 4) << "  " << FormatFixed(m.seconds(), 1)
      << " s  " << FormatFixed(m.images_per_second(), 0) << " img/s";
  if (m.epoch() < total) out << "  ETA " << Duration((total - m.epoch()) * m.seconds());
  out << "\n";
}

void PrintConfusion(const derm::v1::ConfusionMatrix& m, std::ostream& out) {
  const int n = m.class_names_size();
  if (n == 0 || m.counts_size() != n * n) return;
  size_t name_w = 4;
  int64_t max_count = 0;
  for (const auto& s : m.class_names()) name_w = std::max(name_w, s.size());
  for (int64_t c : m.counts()) max_count = std::max(max_count, c);
  const size_t cell_w = std::max<size_t>(3, std::to_string(max_count).size() + 1);
  out << Pad("true \\ predicted", name_w + 3);
  for (int p = 0; p < n; ++p) out << Pad(std::to_string(p), cell_w + 1);
  out << "\n";
  for (int t = 0; t < n; ++t) {
    std::string label = m.class_names(t);
    label.append(name_w - label.size(), ' ');
    out << Pad(std::to_string(t), 2) << " " << label;
    for (int p = 0; p < n; ++p) out << Pad(std::to_string(m.counts(t * n + p)), cell_w + 1);
    out << "\n";
  }
}

void PrintRunReport(const derm::v1::RunReport& run, std::ostream& out) {
  out << "run " << run.run_id() << " (job " << run.job_id() << ")  " << run.name() << "  "
      << derm::v1::JobState_Name(run.state()) << "\n";
  const auto& f = run.facts();
  out << "data: " << f.train_images() << " train / " << f.validation_images() << " validation / "
      << f.test_images() << " test images, " << f.class_names_size() << " classes, fingerprint "
      << f.dataset_fingerprint().substr(0, 12) << "\n";
  if (f.train_groups() > 0 && f.group_column().empty()) {
    out << "groups: none, the table is split per image\n";
  } else if (f.train_groups() > 0) {
    out << "groups: " << f.train_groups() << " train / " << f.validation_groups() << " validation / "
        << f.test_groups() << " test " << f.group_column() << " groups, none in two splits\n";
  }
  for (const auto& w : f.data_warnings()) out << "warning: " << w << "\n";
  const int64_t leaked = f.exact_duplicate_pairs() + f.near_duplicate_pairs();
  if (!f.leakage_checked()) {
    // A run from before the leakage check: say nothing rather than "none".
  } else if (leaked == 0) {
    out << "leakage: no image is in two splits (SHA-256 and perceptual hash)\n";
  } else {
    out << "leakage: " << f.exact_duplicate_pairs() << " exact and " << f.near_duplicate_pairs()
        << " near-duplicate pairs across splits\n";
    for (int i = 0; i < f.leaked_pairs_size() && i < 10; ++i) {
      const auto& p = f.leaked_pairs(i);
      out << "  " << (p.exact() ? "exact  " : "near   ") << p.split_a() << " " << p.path_a() << "  =  "
          << p.split_b() << " " << p.path_b() << "\n";
    }
    if (f.leaked_pairs_size() > 10) out << "  (dermctl query 'SELECT * FROM leaked_pairs' lists them all)\n";
  }
  out << "model: resnet50, weights " << f.weights() << ", standardize_features "
      << (run.params().count("model.standardize_features") ? run.params().at("model.standardize_features")
                                                           : "?")
      << ", device " << f.device()
      << (f.backbone_batch() > 0 ? ", " + std::to_string(f.backbone_batch()) + " images per backbone pass"
                                 : "")
      << "\n";
  if (f.skipped_size() > 0) {
    out << "skipped " << f.skipped_size() << " file(s):\n";
    for (const auto& s : f.skipped()) out << "  " << s.path() << ": " << s.reason() << "\n";
  }
  out << "\n epoch      loss  accuracy  val_loss  val_accuracy  val_bal_acc   time_s   img/s\n";
  for (const auto& e : run.epochs()) {
    out << Pad(std::to_string(e.epoch()), 6) << Pad(FormatFixed(e.loss(), 4), 10)
        << Pad(FormatFixed(e.accuracy(), 4), 10) << Pad(FormatFixed(e.validation().loss(), 4), 10)
        << Pad(FormatFixed(e.validation().accuracy(), 4), 14)
        << Pad(FormatFixed(e.validation().balanced_accuracy(), 4), 13) << Pad(FormatFixed(e.seconds(), 1), 9)
        << Pad(FormatFixed(e.images_per_second(), 0), 8) << "\n";
  }
  if (!run.epochs().empty()) {
    const auto& last = *run.epochs().rbegin();
    out << "\nvalidation confusion matrix, epoch " << last.epoch()
        << " (rows: true class, columns: predicted)\n";
    PrintConfusion(last.validation().confusion(), out);
    PrintEvaluation(last.validation().evaluation(), "validation, epoch " + std::to_string(last.epoch()), out);
  }
  if (run.stopped_epoch() > 0) {
    out << "\nstopped early after epoch " << run.stopped_epoch() << ": " << run.stop_reason() << "\n";
  }
  const int32_t last_epoch = run.epochs().empty() ? 0 : run.epochs().rbegin()->epoch();
  if (run.model_epoch() > 0 && run.model_epoch() != last_epoch) {
    out << "model: epoch " << run.model_epoch()
        << " (the best by train.early_stopping); the test split and the "
        << "predictions are of it\n";
  }
  if (run.result().has_test()) {
    const auto& t = run.result().test();
    out << "\ntest: loss " << FormatFixed(t.loss(), 4) << "  accuracy " << FormatFixed(t.accuracy(), 4)
        << "  balanced accuracy " << FormatFixed(t.balanced_accuracy(), 4) << "\n";
    PrintConfusion(t.confusion(), out);
    PrintEvaluation(t.evaluation(), "test", out);
  }
  if (!run.gates().empty()) {
    int passed = 0;
    for (const auto& g : run.gates()) passed += g.passed() ? 1 : 0;
    out << "\ngates (test split): " << passed << " of " << run.gates_size() << " passed\n";
    for (const auto& g : run.gates()) {
      out << "  " << (g.passed() ? "PASSED  " : "FAILED  ") << g.gate() << ": "
          << (std::isnan(g.value()) ? g.reason() : FormatFixed(g.value(), 4)) << "\n";
    }
  }
}

}  // namespace derm::client
