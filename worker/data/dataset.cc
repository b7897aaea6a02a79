#include "worker/data/dataset.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "common/rng.h"
#include "common/strings.h"
#include "worker/data/sha256.h"

namespace derm::data {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string path;  // as found on disk
  std::string rel;   // relative to its root, for the fingerprint
  int32_t label;
};

StatusOr<std::vector<std::string>> ClassFolders(const std::string& dir, const char* what) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    return InvalidArgument(std::string(what) + " folder " + dir + " does not exist or is not a folder");
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  if (ec) return InvalidArgument(std::string(what) + " folder " + dir + " cannot be read: " + ec.message());
  if (names.empty()) {
    return InvalidArgument(std::string(what) + " folder " + dir + " has no class sub-folders");
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Lists the image files of each class folder (sorted), reporting other files as skipped.
StatusOr<std::vector<Entry>> Scan(const std::string& root, const std::vector<std::string>& folders,
                                  const std::map<std::string, int32_t>& label_of,
                                  std::vector<SkippedFile>* skipped) {
  std::vector<Entry> entries;
  for (const auto& folder : folders) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(root) / folder, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    size_t images = 0;
    for (const auto& f : files) {
      if (!HasImageExtension(f.filename().string())) {
        skipped->push_back({f.string(), "not an image file type (.jpg .jpeg .png .bmp)"});
        continue;
      }
      entries.push_back({f.string(), fs::relative(f, root).string(), label_of.at(folder)});
      ++images;
    }
    if (images == 0) {
      return InvalidArgument("class folder " + (fs::path(root) / folder).string() + " has no images");
    }
  }
  return entries;
}

struct Decoded {
  bool ok = false;
  std::string content_hash;
};

// Reads, hashes and decodes entries[i] into set->pixels slot i. OpenCV's exceptions stop here.
Decoded DecodeOne(const Entry& entry, int h, int w, uint8_t* slot, std::string* reason) {
  Decoded d;
  std::ifstream in(entry.path, std::ios::binary);
  if (!in.is_open()) {
    *reason = "no such file or not readable";
    return d;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    *reason = "cannot be read";
    return d;
  }
  if (bytes.empty()) {
    *reason = "empty file";
    return d;
  }
  d.content_hash = Sha256Hex(bytes);
  try {
    cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, bytes.data());
    cv::Mat bgr = cv::imdecode(buf, cv::IMREAD_COLOR);
    if (bgr.empty()) {
      *reason = "not a decodable image";
      return d;
    }
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::Mat out(h, w, CV_8UC3, slot);
    if (rgb.rows == h && rgb.cols == w) {
      rgb.copyTo(out);
    } else {
      cv::resize(rgb, out, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    }
    d.ok = true;
  } catch (const cv::Exception& e) {
    *reason = std::string("decode failed: ") + e.what();
  }
  return d;
}

// Decodes `entries` into an ImageSet on `threads` threads; undecodable files go to `skipped`.
core::ImageSet DecodeAll(const std::vector<Entry>& entries, const DatasetOptions& o, int threads,
                         std::vector<std::string>* hashes, std::vector<SkippedFile>* skipped) {
  core::ImageSet set;
  set.height = o.height;
  set.width = o.width;
  const size_t n = entries.size(), image_bytes = static_cast<size_t>(o.height) * o.width * 3;
  set.pixels.resize(n * image_bytes);
  std::vector<Decoded> results(n);
  std::vector<std::string> reasons(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < n;) {
      results[i] = DecodeOne(entries[i], o.height, o.width, set.pixels.data() + i * image_bytes, &reasons[i]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!results[i].ok) {
      skipped->push_back({entries[i].path, reasons[i]});
      continue;
    }
    if (kept != i)
      std::memmove(set.pixels.data() + kept * image_bytes, set.pixels.data() + i * image_bytes, image_bytes);
    set.labels.push_back(entries[i].label);
    set.paths.push_back(entries[i].path);
    hashes->push_back(entries[i].rel + "\t" + std::to_string(entries[i].label) + "\t" +
                      results[i].content_hash);
    ++kept;
  }
  set.pixels.resize(kept * image_bytes);
  return set;
}

// --- the decode cache -------------------------------------------------------------------
constexpr char kCacheMagic[] = "DERMCACHE1";

void PutString(std::string* out, const std::string& s) {
  const uint64_t n = s.size();
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(s);
}

class CacheReader {
 public:
  explicit CacheReader(std::string bytes) : b_(std::move(bytes)) {}
  bool U64(uint64_t* v) {
    if (pos_ + sizeof *v > b_.size()) return false;
    std::memcpy(v, b_.data() + pos_, sizeof *v);
    pos_ += sizeof *v;
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n;
    if (!U64(&n) || n > b_.size() - pos_) return false;
    s->assign(b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Bytes(void* dst, uint64_t n) {
    if (n > b_.size() - pos_) return false;
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == b_.size(); }

 private:
  std::string b_;
  size_t pos_ = 0;
};

std::string SerializeDataset(const Dataset& ds) {
  std::string out(kCacheMagic);
  PutString(&out, ds.fingerprint);
  const uint64_t classes = ds.class_names.size(), skipped = ds.skipped.size();
  out.append(reinterpret_cast<const char*>(&classes), sizeof classes);
  for (const auto& c : ds.class_names) PutString(&out, c);
  out.append(reinterpret_cast<const char*>(&skipped), sizeof skipped);
  for (const auto& s : ds.skipped) {
    PutString(&out, s.path);
    PutString(&out, s.reason);
  }
  for (const core::ImageSet* set : {&ds.train, &ds.validation, &ds.test}) {
    const uint64_t dims[3] = {static_cast<uint64_t>(set->height), static_cast<uint64_t>(set->width),
                              static_cast<uint64_t>(set->size())};
    out.append(reinterpret_cast<const char*>(dims), sizeof dims);
    out.append(reinterpret_cast<const char*>(set->labels.data()), set->labels.size() * sizeof(int32_t));
    for (const auto& p : set->paths) PutString(&out, p);
    out.append(reinterpret_cast<const char*>(set->pixels.data()), set->pixels.size());
  }
  return out;
}

// Fills `ds` from a cache file's bytes; false for a truncated or foreign file.
bool ParseDataset(std::string bytes, Dataset* ds) {
  if (bytes.compare(0, sizeof kCacheMagic - 1, kCacheMagic) != 0) return false;
  CacheReader r(bytes.substr(sizeof kCacheMagic - 1));
  uint64_t n;
  if (!r.Str(&ds->fingerprint) || !r.U64(&n) || n > 100000) return false;
  ds->class_names.resize(n);
  for (auto& c : ds->class_names) {
    if (!r.Str(&c)) return false;
  }
  if (!r.U64(&n) || n > 10000000) return false;
  ds->skipped.resize(n);
  for (auto& s : ds->skipped) {
    if (!r.Str(&s.path) || !r.Str(&s.reason)) return false;
  }
  for (core::ImageSet* set : {&ds->train, &ds->validation, &ds->test}) {
    uint64_t h, w, count;
    if (!r.U64(&h) || !r.U64(&w) || !r.U64(&count) || h > 4096 || w > 4096 || count > 100000000) return false;
    set->height = static_cast<int64_t>(h);
    set->width = static_cast<int64_t>(w);
    set->labels.resize(count);
    if (!r.Bytes(set->labels.data(), count * sizeof(int32_t))) return false;
    set->paths.resize(count);
    for (auto& p : set->paths) {
      if (!r.Str(&p)) return false;
    }
    set->pixels.resize(count * h * w * 3);
    if (!r.Bytes(set->pixels.data(), set->pixels.size())) return false;
  }
  return r.AtEnd();
}

// The cache key: every candidate file's split, relative path, label and content hash (read and
// hashed on `threads` threads, not decoded), the image size and the balancing.
std::string CacheKey(const std::vector<Entry>* splits[3], const DatasetOptions& o, int threads) {
  Sha256 key;
  key.Update(std::to_string(o.height) + "x" + std::to_string(o.width) + " balance " +
             std::to_string(o.samples_per_class) + "\n");
  for (int s = 0; s < 3; ++s) {
    const auto& entries = *splits[s];
    std::vector<std::string> hashes(entries.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next++) < entries.size();) {
        std::ifstream in(entries[i].path, std::ios::binary);
        hashes[i] =
            Sha256Hex(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (size_t i = 0; i < entries.size(); ++i) {
      key.Update(std::to_string(s) + "\t" + entries[i].rel + "\t" + std::to_string(entries[i].label) + "\t" +
                 hashes[i] + "\n");
    }
  }
  return key.HexDigest();
}

}  // namespace

StatusOr<core::ImageSet> LoadImageFolder(const std::string& dir, int height, int width, int threads,
                                         std::vector<SkippedFile>* skipped) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return InvalidArgument("image folder " + dir + " does not exist or is not a folder");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Entry> entries;
  for (const auto& f : files) {
    if (HasImageExtension(f.filename().string())) {
      entries.push_back({f.string(), fs::relative(f, dir).string(), -1});
    } else {
      skipped->push_back({f.string(), "not an image file type (.jpg .jpeg .png .bmp)"});
    }
  }
  if (entries.empty()) return InvalidArgument("image folder " + dir + " has no images");
  DatasetOptions o;
  o.height = height;
  o.width = width;
  std::vector<std::string> hashes;
  return DecodeAll(entries, o, threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency()),
                   &hashes, skipped);
}

void BalanceClasses(core::ImageSet* set, int num_classes, int per_class, uint64_t seed) {
  std::vector<std::vector<int64_t>> members(num_classes);
  for (int64_t i = 0; i < set->size(); ++i) members[set->labels[i]].push_back(i);
  const int h = static_cast<int>(set->height), w = static_cast<int>(set->width);
  const size_t image_bytes = static_cast<size_t>(h) * w * 3;
  for (int c = 0; c < num_classes; ++c) {
    const auto& sources = members[c];
    if (sources.empty() || static_cast<int>(sources.size()) >= per_class) continue;
    Rng rng = Rng::Stream(seed, 0xBA1A0000ULL + static_cast<uint64_t>(c));
    for (int k = 0; static_cast<int>(sources.size()) + k < per_class; ++k) {
      const int64_t src = sources[k % sources.size()];
      const double angle = rng.Uniform(-36.0, 36.0), zoom = rng.Uniform(0.9, 1.1);
      const bool flip = rng.Uniform() < 0.5;
      cv::Mat in(h, w, CV_8UC3, set->pixels.data() + src * image_bytes);
      cv::Mat source = in.clone();  // `pixels` may move as copies are appended
      if (flip) cv::flip(source, source, 1);
      cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(w / 2.0f, h / 2.0f), angle, zoom);
      cv::Mat out;
      cv::warpAffine(source, out, rot, cv::Size(w, h), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
      set->pixels.insert(set->pixels.end(), out.data, out.data + image_bytes);
      set->labels.push_back(c);
      set->paths.push_back(set->paths[src] + "#copy" + std::to_string(k));
    }
  }
}

DecodedFiles DecodeFiles(const std::vector<std::string>& paths, int height, int width, int threads) {
  std::vector<Entry> entries;
  entries.reserve(paths.size());
  for (const auto& p : paths) entries.push_back({p, p, -1});
  DatasetOptions o;
  o.height = height;
  o.width = width;
  DecodedFiles out;
  std::vector<std::string> lines;  // "path\tlabel\thash"
  out.images = DecodeAll(
      entries, o, threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
      &lines, &out.errors);
  for (const auto& line : lines) out.sha256.push_back(line.substr(line.rfind('\t') + 1));
  return out;
}

bool IsImageFileName(const std::string& name) { return HasImageExtension(name); }

StatusOr<Dataset> LoadDataset(const DatasetOptions& o) {
  Dataset ds;
  DERM_ASSIGN_OR_RETURN(ds.class_names, ClassFolders(o.train_dir, "training"));
  std::map<std::string, int32_t> label_of;
  for (size_t i = 0; i < ds.class_names.size(); ++i) label_of[ds.class_names[i]] = static_cast<int32_t>(i);
  DERM_ASSIGN_OR_RETURN(std::vector<Entry> all, Scan(o.train_dir, ds.class_names, label_of, &ds.skipped));

  // Keras: shuffle the whole file list with the seed, the last floor(split * n) are validation.
  Rng rng(o.seed);
  rng.Shuffle(all);
  const size_t n_val = static_cast<size_t>(o.validation_split * static_cast<double>(all.size()));
  std::vector<Entry> train(all.begin(), all.end() - n_val), val(all.end() - n_val, all.end());

  std::vector<Entry> test;
  if (!o.test_dir.empty()) {
    DERM_ASSIGN_OR_RETURN(auto test_classes, ClassFolders(o.test_dir, "test"));
    for (const auto& c : test_classes) {
      if (!label_of.count(c)) {
        return InvalidArgument("test folder " + o.test_dir + " has class " + c +
                               " that the training folder does not have");
      }
    }
    DERM_ASSIGN_OR_RETURN(test, Scan(o.test_dir, test_classes, label_of, &ds.skipped));
  }

  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  std::string cache_path;
  if (!o.cache_dir.empty()) {
    const std::vector<Entry>* splits[3] = {&train, &val, &test};
    cache_path = (fs::path(o.cache_dir) / (CacheKey(splits, o, threads) + ".dermcache")).string();
    std::ifstream in(cache_path, std::ios::binary);
    Dataset cached;
    if (in &&
        ParseDataset(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
                     &cached)) {
      return cached;
    }
  }
  std::vector<std::string> lines[3];
  ds.train = DecodeAll(train, o, threads, &lines[0], &ds.skipped);
  if (o.samples_per_class > 0) {
    BalanceClasses(&ds.train, static_cast<int>(ds.class_names.size()), o.samples_per_class, o.seed);
    lines[0].push_back("balance\t" + std::to_string(o.samples_per_class));
  }
  ds.validation = DecodeAll(val, o, threads, &lines[1], &ds.skipped);
  ds.test = DecodeAll(test, o, threads, &lines[2], &ds.skipped);
  if (ds.train.size() == 0) return InvalidArgument("no image in " + o.train_dir + " could be decoded");
  if (ds.validation.size() == 0) {
    return InvalidArgument("the validation split of " + o.train_dir +
                           " is empty; add images or raise data.validation_split");
  }

  Sha256 fp;
  const char* split_names[3] = {"train", "validation", "test"};
  for (int s = 0; s < 3; ++s) {
    for (const auto& line : lines[s]) fp.Update(std::string(split_names[s]) + "\t" + line + "\n");
  }
  ds.fingerprint = fp.HexDigest();
  if (!cache_path.empty()) {
    // Written to a temporary name and renamed, so a reader never sees half a file. A cache that
    // cannot be written only costs the next run its decoding.
    std::error_code ec;
    fs::create_directories(o.cache_dir, ec);
    const std::string tmp = cache_path + ".tmp" + std::to_string(::getpid());
    std::ofstream out(tmp, std::ios::binary);
    if (out << SerializeDataset(ds)) {
      out.close();
      fs::rename(tmp, cache_path, ec);
    }
    fs::remove(tmp, ec);
  }
  return ds;
}

}  // namespace derm::data
