#include "worker/data/dataset.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/crypto/sha256.h"
#include "common/parallel_for.h"
#include "common/rng.h"
#include "common/table/group_split.h"
#include "worker/data/balance.h"
#include "worker/data/decode_cache.h"
#include "worker/data/file_bytes.h"
#include "worker/data/image_decoder.h"
#include "worker/data/image_header.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSplitNames[3] = {"train", "validation", "test"};

int64_t HalfOfPhysicalMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 2 : 0;
}

// The cache key: every candidate file's split, relative path, label and content hash (read and
// hashed on `threads` threads, not decoded; the hashes are kept in the entries so that decoding
// does not hash again), the image size and the balancing.
std::string CacheKey(std::vector<ImageEntry>* splits[3], const DatasetOptions& o, int threads) {
  Sha256 key;
  key.Update(std::to_string(o.height) + "x" + std::to_string(o.width) + " balance " +
             std::to_string(o.samples_per_class) + "\n");
  for (int s = 0; s < 3; ++s) {
    std::vector<ImageEntry>& entries = *splits[s];
    ParallelFor(0, entries.size(), threads, [&](size_t i) {
      // A file too large to decode is skipped by the decoder; its hash here is that of nothing.
      FileBytes file = ReadFileBytes(entries[i].path, kMaxImageFileBytes);
      if (file.error == FileBytes::Error::kNone) entries[i].sha256 = Sha256Hex(file.bytes);
    });
    for (const ImageEntry& e : entries) {
      key.Update(std::to_string(s) + "\t" + e.rel + "\t" + std::to_string(e.label) + "\t" +
                 (e.sha256.empty() ? Sha256Hex("") : e.sha256) + "\n");
    }
  }
  return key.HexDigest();
}

// SHA-256 over every kept file's split, relative path, label and content hash, and the balancing.
std::string Fingerprint(const std::vector<ImageEntry>* splits[3], const std::vector<KeptImage> kept[3],
                        int samples_per_class) {
  Sha256 fp;
  for (int s = 0; s < 3; ++s) {
    for (const KeptImage& k : kept[s]) {
      const ImageEntry& e = (*splits[s])[k.entry];
      fp.Update(std::string(kSplitNames[s]) + "\t" + e.rel + "\t" + std::to_string(e.label) + "\t" +
                k.sha256 + "\n");
    }
    if (s == 0 && samples_per_class > 0)
      fp.Update("train\tbalance\t" + std::to_string(samples_per_class) + "\n");
  }
  return fp.HexDigest();
}

}  // namespace

StatusOr<core::ImageSet> LoadImageFolder(const std::string& dir, int height, int width, int threads,
                                         std::vector<SkippedFile>* skipped) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return InvalidArgument("image folder " + dir + " does not exist or is not a folder");
  DERM_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(dir, DataRoots(), skipped));
  const std::vector<ImageEntry> entries = ImageFiles(files, dir, -1, skipped);
  if (entries.empty()) return InvalidArgument("image folder " + dir + " has no images");
  std::vector<KeptImage> kept;
  return DecodeImages(entries, height, width, threads, &kept, skipped);
}

DecodedFiles DecodeFiles(const std::vector<std::string>& paths, int height, int width, int threads) {
  std::vector<ImageEntry> entries;
  entries.reserve(paths.size());
  for (const auto& p : paths) entries.push_back({p, p, -1, ""});
  DecodedFiles out;
  std::vector<KeptImage> kept;
  out.images =
      DecodeImages(entries, height, width, threads, &kept, &out.errors).value();  // in RAM: cannot fail
  for (auto& k : kept) out.sha256.push_back(std::move(k.sha256));
  return out;
}

namespace {

// The folders' images: Keras' per-image split of train_dir by seed, and test_dir.
Status SplitFolders(const DatasetOptions& o, Dataset* out, std::vector<ImageEntry>* train,
                    std::vector<ImageEntry>* val, std::vector<ImageEntry>* test) {
  Dataset& ds = *out;
  DERM_ASSIGN_OR_RETURN(ds.class_names, ClassFolders(o.train_dir, "training"));
  std::map<std::string, int32_t> label_of;
  for (size_t i = 0; i < ds.class_names.size(); ++i) label_of[ds.class_names[i]] = static_cast<int32_t>(i);
  DERM_ASSIGN_OR_RETURN(std::vector<ImageEntry> all,
                        ScanClassFolders(o.train_dir, ds.class_names, label_of, o.roots, &ds.skipped));

  if (o.folds >= 2) {  // stratified folds of single images
    std::vector<int32_t> labels;
    for (const auto& e : all) labels.push_back(e.label);
    const std::vector<int> split = table::AssignSplits(labels, {}, static_cast<int>(ds.class_names.size()), 0,
                                                       0, o.folds, o.fold, o.seed);
    for (size_t i = 0; i < all.size(); ++i) (split[i] == 1 ? val : train)->push_back(std::move(all[i]));
  } else {
    // Keras: shuffle the whole file list with the seed, the last floor(split * n) are validation.
    Rng rng(o.seed);
    rng.Shuffle(all);
    const size_t n_val = static_cast<size_t>(o.validation_split * static_cast<double>(all.size()));
    train->assign(all.begin(), all.end() - n_val);
    val->assign(all.end() - n_val, all.end());
  }
  if (!o.test_dir.empty()) {
    DERM_ASSIGN_OR_RETURN(auto test_classes, ClassFolders(o.test_dir, "test"));
    for (const auto& c : test_classes) {
      if (!label_of.count(c)) {
        return InvalidArgument("test folder " + o.test_dir + " has class " + c +
                               " that the training folder does not have");
      }
    }
    DERM_ASSIGN_OR_RETURN(*test, ScanClassFolders(o.test_dir, test_classes, label_of, o.roots, &ds.skipped));
  }
  return Status::Ok();
}

// The table's facts on `ds` (decoded or read from the cache): its groups and warnings, and its
// bytes in the fingerprint.
void AddTableFacts(const TableSplits& t, Dataset* ds) {
  for (int s = 0; s < 3; ++s) ds->groups[s] = t.groups[s];
  ds->group_column = t.group_column;
  ds->warnings = t.warnings;
  ds->attribute_names = t.attribute_names;
  ds->attributes = t.attributes;
  ds->fingerprint = Sha256Hex(ds->fingerprint + "\ntable\t" + t.tables_sha256 + "\n");
}

// More unreadable listed images than the table's budget.
Status CheckErrorBudget(const Dataset& ds, const TableData& t) {
  const auto errors = static_cast<int64_t>(ds.skipped.size());
  if (errors <= t.max_errors) return Status::Ok();
  return InvalidArgument(std::to_string(errors) + " images listed in " + t.table +
                         " could not be read or decoded, more than data.max_errors (" +
                         std::to_string(t.max_errors) + "); the first: " + ds.skipped[0].path + ": " +
                         ds.skipped[0].reason);
}

}  // namespace

StatusOr<Dataset> LoadDataset(const DatasetOptions& o) {
  Dataset ds;
  std::vector<ImageEntry> train, val, test;
  std::optional<TableSplits> table;
  if (o.table) {
    DERM_ASSIGN_OR_RETURN(
        table, SplitTable(*o.table, o.validation_split, o.folds, o.fold, o.seed, o.roots, &ds.skipped));
    ds.class_names = table->class_names;
    train = std::move(table->split[0]);
    val = std::move(table->split[1]);
    test = std::move(table->split[2]);
  } else {
    DERM_RETURN_IF_ERROR(SplitFolders(o, &ds, &train, &val, &test));
  }
  const std::string source = o.table ? o.table->table : o.train_dir;

  const int threads = ThreadsOrAllCores(o.threads);
  std::string cache_path;
  if (!o.cache_dir.empty()) {
    std::vector<ImageEntry>* splits[3] = {&train, &val, &test};
    cache_path = (fs::path(o.cache_dir) / (CacheKey(splits, o, threads) + ".dermcache")).string();
    auto cached = ReadCache(cache_path, o.cache_budget);
    if (cached.ok()) {  // a damaged cache is decoded again and rewritten
      if (table) {
        AddTableFacts(*table, &*cached);
        DERM_RETURN_IF_ERROR(CheckErrorBudget(*cached, *o.table));
      }
      return cached;
    }
  }
  // Above the budget the images go straight to the cache file as they are decoded.
  std::unique_ptr<CacheWriter> sink;
  const int64_t image_bytes = static_cast<int64_t>(o.height) * o.width * 3;
  const int64_t balanced =
      static_cast<int64_t>(o.samples_per_class) * static_cast<int64_t>(ds.class_names.size());
  const int64_t images = std::max<int64_t>(static_cast<int64_t>(train.size()), balanced) +
                         static_cast<int64_t>(val.size() + test.size());
  const int64_t estimate = images * image_bytes;
  if (!cache_path.empty() && o.cache_budget > 0 && estimate > o.cache_budget) {
    DERM_ASSIGN_OR_RETURN(sink, CacheWriter::Create(cache_path));
  }
  // In RAM, refuse what would not fit rather than be killed for it (and kill the next worker too).
  if (const int64_t budget = o.memory_budget > 0 ? o.memory_budget : HalfOfPhysicalMemory();
      !sink && budget > 0 && estimate > budget) {
    return InvalidArgument(
        std::to_string(images) + " images of " + std::to_string(o.width) + "x" + std::to_string(o.height) +
        (o.samples_per_class > 0 ? " (balance.samples_per_class " + std::to_string(o.samples_per_class) +
                                       " x " + std::to_string(ds.class_names.size()) + " classes)"
                                 : "") +
        " need " + std::to_string(estimate >> 20) + " MiB in memory, more than this worker's " +
        std::to_string(budget >> 20) +
        " MiB (derm-worker --cache-dir and --cache-budget keep larger ones on disk)");
  }
  std::vector<KeptImage> kept[3];
  DERM_ASSIGN_OR_RETURN(ds.train,
                        DecodeImages(train, o.height, o.width, threads, &kept[0], &ds.skipped, sink.get()));
  if (o.samples_per_class > 0) {
    DERM_RETURN_IF_ERROR(
        Balance(&ds.train, static_cast<int>(ds.class_names.size()), o.samples_per_class, o.seed, sink.get()));
  }
  DERM_ASSIGN_OR_RETURN(ds.validation,
                        DecodeImages(val, o.height, o.width, threads, &kept[1], &ds.skipped, sink.get()));
  DERM_ASSIGN_OR_RETURN(ds.test,
                        DecodeImages(test, o.height, o.width, threads, &kept[2], &ds.skipped, sink.get()));
  if (o.table) DERM_RETURN_IF_ERROR(CheckErrorBudget(ds, *o.table));
  if (ds.train.size() == 0) return InvalidArgument("no image in " + source + " could be decoded");
  if (ds.validation.size() == 0) {
    return InvalidArgument("the validation split of " + source +
                           " is empty; add images or raise data.validation_split");
  }
  const std::vector<ImageEntry>* splits[3] = {&train, &val, &test};
  ds.fingerprint = Fingerprint(splits, kept, o.samples_per_class);
  for (int s = 0; s < 3; ++s) {
    for (const KeptImage& k : kept[s]) ds.hashes[s].push_back({k.sha256, k.perceptual});
  }
  if (sink) {
    DERM_RETURN_IF_ERROR(sink->Finish(ds));
  } else if (!cache_path.empty()) {
    // A cache that cannot be written only costs the next run its decoding.
    auto writer = CacheWriter::Create(cache_path);
    if (writer.ok()) (void)(*writer)->Finish(ds);
  }
  if (table) AddTableFacts(*table, &ds);  // after the cache, which keeps the images' part
  return ds;
}

}  // namespace derm::data
