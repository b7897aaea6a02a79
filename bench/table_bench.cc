// derm-table-bench: how fast a labels table is read and split (docs/data.md): a HAM10000-shaped
// table of --rows rows (made in memory: several images per lesion, 7 classes) parsed
// (table::ParseCsv), read as labels (ReadLabelTable) and split by lesion (AssignSplits, 5 folds).
// Prints one JSON line with each step's milliseconds (the best of --rounds).
//   build/bench/derm-table-bench [--rows 100000] [--rounds 3]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>

#include "common/rng.h"
#include "common/table/group_split.h"
#include "common/table/label_table.h"

int main(int argc, char** argv) {
  int rows = 100000, rounds = 3;
  CLI::App app("derm-table-bench: labels table parsing and grouped splitting");
  app.add_option("--rows", rows, "table rows")->check(CLI::Range(1, 10000000));
  app.add_option("--rounds", rounds, "timed passes (the best is reported)")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  const char* kDx[] = {"akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"};
  const char* kSites[] = {"back", "face", "trunk", "lower extremity", "upper extremity"};
  std::string text = "lesion_id,image_id,dx,dx_type,age,sex,localization\n";
  derm::Rng rng(1);
  for (int i = 0, lesion = 0; i < rows; ++lesion) {
    const int views = 1 + static_cast<int>(rng.Below(3));
    const char* dx = kDx[rng.Below(7)];
    for (int v = 0; v < views && i < rows; ++v, ++i) {
      text += "HAM_" + std::to_string(lesion) + ",ISIC_" + std::to_string(i) + "," + dx + ",histo," +
              std::to_string(20 + 5 * rng.Below(12)) + "," + (rng.Below(2) ? "male" : "female") + "," +
              kSites[rng.Below(5)] + "\n";
    }
  }
  double parse = 1e30, label = 1e30, split = 1e30;
  for (int r = 0; r < rounds; ++r) {
    using Clock = std::chrono::steady_clock;
    const auto ms = [](Clock::time_point a) {
      return std::chrono::duration<double, std::milli>(Clock::now() - a).count();
    };
    auto t = Clock::now();
    auto csv = derm::table::ParseCsv(text, "bench.csv");
    parse = std::min(parse, ms(t));
    if (!csv.ok()) {
      std::cerr << "derm-table-bench: " << csv.status().message() << "\n";
      return 2;
    }
    t = Clock::now();
    auto table = derm::table::ReadLabelTable(*csv, "bench.csv", {});
    label = std::min(label, ms(t));
    if (!table.ok()) {
      std::cerr << "derm-table-bench: " << table.status().message() << "\n";
      return 2;
    }
    t = Clock::now();
    std::vector<int32_t> labels;
    std::vector<std::string> groups;
    for (const auto& row : table->rows) {
      labels.push_back(row.label);
      groups.push_back(row.group);
    }
    const auto parts = derm::table::AssignSplits(labels, groups, 7, 0, 0.15, 5, 1, 123);
    split = std::min(split, ms(t));
  }
  std::cout << "{\"rows\": " << rows << ", \"bytes\": " << text.size() << ", \"parse_ms\": " << parse
            << ", \"labels_ms\": " << label << ", \"split_ms\": " << split
            << ", \"total_ms\": " << parse + label + split << "}\n";
  return 0;
}
