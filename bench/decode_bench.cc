// derm-decode-bench: how fast this machine reads, decodes and resizes a folder of images on every
// core, the way the worker does (data::DecodeFiles, which also computes each image's perceptual
// hash for the leakage checks) — the ceiling for bulk inference when the model is cheap — and, in
// the same run, how much of that time the perceptual hashes take (hashing the decoded images
// again on the same threads), and the leakage check (worker/data/leakage.h) with the folder's
// first 80 % as training and the rest as test. Prints one JSON line.
//   build/bench/derm-decode-bench --images DIR [--size 224] [--threads 0] [--rounds 2]
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "common/parallel_for.h"
#include "common/spec/input_listing.h"
#include "worker/data/dataset.h"
#include "worker/data/leakage.h"
#include "worker/data/perceptual_hash.h"

int main(int argc, char** argv) {
  std::string images;
  int size = 224, threads = 0, rounds = 2;
  CLI::App app("derm-decode-bench: image decode rate on all cores");
  app.add_option("--images", images, "folder of images (recursive)")->required();
  app.add_option("--size", size, "decoded side, pixels")->check(CLI::Range(32, 1024));
  app.add_option("--threads", threads, "decode threads (0 = all cores)");
  app.add_option("--rounds", rounds, "timed passes over the folder (the best is reported)")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  derm::v1::InputSpec input;
  input.set_folder(images);
  auto paths = derm::ListInput(input);
  if (!paths.ok()) {
    std::cerr << "derm-decode-bench: " << paths.status().message() << "\n";
    return 2;
  }
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double best = 0, best_hash = 0, leakage_s = 0;
  int64_t leaked = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto decoded = derm::data::DecodeFiles(*paths, size, size, threads);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(decoded.images.size()) / s);
    const auto t1 = std::chrono::steady_clock::now();
    std::vector<derm::data::PerceptualHash> hashes(static_cast<size_t>(decoded.images.size()));
    derm::ParallelFor(0, hashes.size(), threads, [&](size_t i) {
      hashes[i] = derm::data::HashImage(decoded.images.image(static_cast<int64_t>(i)), size, size);
    });
    const double h = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    best_hash = std::max(best_hash, static_cast<double>(hashes.size()) / h);
    derm::data::Dataset ds;
    const int64_t n_train = decoded.images.size() * 4 / 5;
    for (int64_t i = 0; i < decoded.images.size(); ++i) {
      const int s = i < n_train ? 0 : 2;
      (s == 0 ? ds.train : ds.test).paths.push_back(decoded.images.paths[static_cast<size_t>(i)]);
      ds.hashes[s].push_back({decoded.sha256[static_cast<size_t>(i)], hashes[static_cast<size_t>(i)]});
    }
    const auto t2 = std::chrono::steady_clock::now();
    const derm::data::Leakage leakage = derm::data::FindLeakage(ds, threads);
    leakage_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
    leaked = leakage.exact + leakage.near;
  }
  std::cout << "{\"images\": " << paths->size() << ", \"size\": " << size << ", \"threads\": " << threads
            << ", \"decode_img_per_s\": " << static_cast<int64_t>(best * 10) / 10.0
            << ", \"hash_img_per_s\": " << static_cast<int64_t>(best_hash * 10) / 10.0
            << ", \"hash_share_of_decode\": " << static_cast<int64_t>(best / best_hash * 10000) / 10000.0
            << ", \"leakage_s\": " << leakage_s << ", \"leaked_pairs\": " << leaked << "}\n";
  return 0;
}
