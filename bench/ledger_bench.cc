// derm-ledger-bench: the per-image ledger's cost (docs/data.md): storing a finished run's
// predictions with every class's probability and the image's attributes (RunWriter::RecordResult,
// in one transaction, synchronous=FULL as the scheduler runs), and reading a split back the way
// `dermctl export predictions --format isic` asks for it (the read-only query, without the gRPC
// hop). A temporary database; prints one JSON line.
//   build/bench/derm-ledger-bench [--images 10000] [--classes 9] [--top-only]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/spec/spec_rules.h"
#include "store/read_query.h"
#include "store/store.h"

int main(int argc, char** argv) {
  int images = 10000, classes = 9;
  bool top_only = false;
  CLI::App app("derm-ledger-bench: storing and reading a run's full predictions");
  app.add_option("--images", images, "test images of the run")->check(CLI::Range(1, 100000));
  app.add_option("--classes", classes, "classes")->check(CLI::Range(2, 100));
  app.add_flag("--top-only", top_only,
               "store only the top class's probability (as before the ledger), to compare");
  CLI11_PARSE(app, argc, argv);
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/derm-ledger-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  const std::string db = (fs::path(tmpl) / "r.db").string();
  auto fail = [&](const derm::Status& st) {
    std::cerr << "derm-ledger-bench: " << st.ToString() << "\n";
    fs::remove_all(tmpl);
    return 2;
  };
  auto store = derm::store::Store::Open(db);
  if (!store.ok()) return fail(store.status());
  derm::v1::JobSpec spec;
  spec.set_name("ledger");
  spec.mutable_data()->set_train_dir("/d");
  derm::ApplySpecDefaults(&spec);
  auto inserted = (*store)->jobs().InsertSweep(spec, {spec}, "", "bench", 1);
  if (!inserted.ok()) return fail(inserted.status());
  const derm::v1::Job job = inserted->second.front();
  derm::v1::RunFacts facts;
  for (int c = 0; c < classes; ++c) facts.add_class_names("class " + std::to_string(c));
  for (const char* a : {"sex", "age", "localization"}) facts.add_attribute_names(a);
  if (auto st = (*store)->run_writer().RecordFacts(job.run_id(), facts, 2); !st.ok()) return fail(st);
  derm::v1::RunResult result;
  for (int i = 0; i < images; ++i) {
    auto* p = result.add_predictions();
    p->set_split("test");
    p->set_path("/data/ham/images/ISIC_" + std::to_string(1000000 + i) + ".jpg");
    p->set_true_class(i % classes);
    p->set_predicted_class((i * 7) % classes);
    float rest = 1;
    for (int c = 0; c < classes; ++c) {
      const float x = c + 1 == classes ? rest : rest * 0.37f;
      p->add_probabilities(x);
      rest -= x;
    }
    p->set_probability(p->probabilities(0));
    for (const char* v : {"female", "55", "lower extremity"}) p->add_attributes(v);
    if (top_only) {
      p->clear_probabilities();
      p->clear_attributes();
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (auto st = (*store)->run_writer().RecordResult(job.run_id(), 1, result, 3, {}); !st.ok())
    return fail(st);
  const double store_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto t1 = std::chrono::steady_clock::now();
  derm::store::QueryLimits limits;
  limits.max_rows = 100000;
  auto rows = derm::store::RunReadOnlyQuery(
      db,
      "SELECT path, true_class, probabilities FROM predictions WHERE run_id = " +
          std::to_string(job.run_id()) + " AND split = 'test' ORDER BY path",
      limits);
  const double read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  if (!rows.ok()) return fail(rows.status());
  std::cout << "{\"images\": " << images << ", \"classes\": " << classes
            << ", \"ledger\": " << (top_only ? "false" : "true")
            << ", \"store_rows_per_s\": " << static_cast<int64_t>(images / store_s)
            << ", \"store_s\": " << store_s << ", \"read_rows\": " << rows->rows.size()
            << ", \"read_s\": " << read_s << "}\n";
  fs::remove_all(tmpl);
  return 0;
}
