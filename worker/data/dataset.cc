#include "worker/data/dataset.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "common/rng.h"
#include "common/strings.h"
#include "worker/data/decode_cache.h"
#include "worker/data/file_bytes.h"
#include "worker/data/image_header.h"
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
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) names.push_back(it->path().filename().string());
  }
  if (ec) return InvalidArgument(std::string(what) + " folder " + dir + " cannot be read: " + ec.message());
  if (names.empty()) {
    return InvalidArgument(std::string(what) + " folder " + dir + " has no class sub-folders");
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Every file below `dir` (sorted) that `roots` lets us read; the others are reported as skipped.
// Links to folders are not followed. A folder that cannot be listed to its end is an error, not
// a shorter list.
StatusOr<std::vector<fs::path>> ListFiles(const fs::path& dir, const DataRoots& roots,
                                          std::vector<SkippedFile>* skipped) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) continue;
    // A plain regular file lies where its folder does (links to folders are not followed), so
    // only links and other kinds of entries need resolving and checking.
    const bool plain = !it->is_symlink(type_ec) && it->is_regular_file(type_ec);
    if (std::string refusal = plain ? "" : roots.FileRefusal(it->path()); !refusal.empty()) {
      skipped->push_back({it->path().string(), std::move(refusal)});
      continue;
    }
    files.push_back(it->path());
  }
  if (ec) return InvalidArgument("folder " + dir.string() + " cannot be listed: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// Lists the image files of each class folder (sorted), reporting other files as skipped.
StatusOr<std::vector<Entry>> Scan(const std::string& root, const std::vector<std::string>& folders,
                                  const std::map<std::string, int32_t>& label_of, const DataRoots& roots,
                                  std::vector<SkippedFile>* skipped) {
  std::vector<Entry> entries;
  for (const auto& folder : folders) {
    DERM_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(fs::path(root) / folder, roots, skipped));
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
  FileBytes file = ReadFileBytes(entry.path, kMaxImageFileBytes);
  switch (file.error) {
    case FileBytes::Error::kNone:
      break;
    case FileBytes::Error::kCannotOpen:
      *reason = "no such file or not readable";
      return d;
    case FileBytes::Error::kTooLarge:
      *reason = std::to_string(file.size) + " bytes, more than the " +
                std::to_string(kMaxImageFileBytes >> 20) + " MiB an image file may have";
      return d;
    case FileBytes::Error::kCannotRead:
      *reason = "cannot be read";
      return d;
  }
  std::string& bytes = file.bytes;
  if (bytes.empty()) {
    *reason = "empty file";
    return d;
  }
  d.content_hash = Sha256Hex(bytes);
  if (const auto size = DeclaredImageSize(bytes); size && size->width * size->height > kMaxDecodedPixels) {
    *reason = "declares " + std::to_string(size->width) + " x " + std::to_string(size->height) +
              " pixels, more than the " + std::to_string(kMaxDecodedPixels >> 20) + " MP a worker decodes";
    return d;
  }
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

// An image DecodeAll kept: which entry it came from, and its file's SHA-256.
struct Kept {
  size_t entry;
  std::string sha256;
};

// Decodes `entries` on `threads` threads; undecodable files go to `skipped`, the others to
// `kept` in order. With `sink` the images are appended to the cache file being written (in
// chunks, so RAM holds one chunk) and the set is backed by it; else they are kept in RAM.
StatusOr<core::ImageSet> DecodeAll(const std::vector<Entry>& entries, const DatasetOptions& o, int threads,
                                   std::vector<Kept>* kept_images, std::vector<SkippedFile>* skipped,
                                   CacheWriter* sink = nullptr) {
  core::ImageSet set;
  set.height = o.height;
  set.width = o.width;
  const size_t n = entries.size(), image_bytes = static_cast<size_t>(set.image_bytes());
  if (sink) {
    set.file = sink->file();
    set.file_offset = sink->offset();
  }
  const size_t chunk = sink ? 512 : std::max<size_t>(n, 1);
  std::vector<uint8_t> buffer;
  for (size_t begin = 0; begin < n; begin += chunk) {
    const size_t end = std::min(n, begin + chunk);
    // RAM: decode in place after the images kept so far; a file: into the chunk buffer.
    const size_t base = sink ? 0 : set.pixels.size();
    std::vector<uint8_t>& dst = sink ? buffer : set.pixels;
    dst.resize(base + (end - begin) * image_bytes);
    std::vector<Decoded> results(end - begin);
    std::vector<std::string> reasons(end - begin);
    std::atomic<size_t> next{begin};
    auto work = [&] {
      for (size_t i; (i = next++) < end;) {
        results[i - begin] = DecodeOne(entries[i], o.height, o.width,
                                       dst.data() + base + (i - begin) * image_bytes, &reasons[i - begin]);
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    size_t kept = base;
    for (size_t i = begin; i < end; ++i) {
      const Decoded& r = results[i - begin];
      if (!r.ok) {
        skipped->push_back({entries[i].path, reasons[i - begin]});
        continue;
      }
      const uint8_t* image = dst.data() + base + (i - begin) * image_bytes;
      if (sink) {
        DERM_RETURN_IF_ERROR(sink->Append(image, image_bytes));
      } else if (dst.data() + kept != image) {
        std::memmove(dst.data() + kept, image, image_bytes);
      }
      kept += image_bytes;
      set.labels.push_back(entries[i].label);
      set.paths.push_back(entries[i].path);
      kept_images->push_back({i, r.content_hash});
    }
    if (!sink) set.pixels.resize(kept);
  }
  return set;
}

// DatasetOptions::samples_per_class: adds augmented copies (random horizontal flip, rotation
// within +-0.1 turn, zoom within +-10 %, reflect fill) of each class's images to `set` until every
// class present has `per_class` images; classes already at or above it are left alone. Copies
// are named "<source>#copy<k>"; deterministic for `seed`. Appended to `sink` when the set is
// backed by it, else in RAM.
Status Balance(core::ImageSet* set, int num_classes, int per_class, uint64_t seed, CacheWriter* sink) {
  std::vector<std::vector<int64_t>> members(num_classes);
  for (int64_t i = 0; i < set->size(); ++i) members[set->labels[i]].push_back(i);
  const int h = static_cast<int>(set->height), w = static_cast<int>(set->width);
  const size_t image_bytes = static_cast<size_t>(set->image_bytes());
  for (int c = 0; c < num_classes; ++c) {
    const auto& sources = members[c];
    if (sources.empty() || static_cast<int>(sources.size()) >= per_class) continue;
    Rng rng = Rng::Stream(seed, 0xBA1A0000ULL + static_cast<uint64_t>(c));
    for (int k = 0; static_cast<int>(sources.size()) + k < per_class; ++k) {
      const int64_t src = sources[k % sources.size()];
      const double angle = rng.Uniform(-36.0, 36.0), zoom = rng.Uniform(0.9, 1.1);
      const bool flip = rng.Uniform() < 0.5;
      cv::Mat source(h, w, CV_8UC3);  // a copy: `pixels` may move as copies are appended
      set->Gather(&src, 1, source.data);
      if (flip) cv::flip(source, source, 1);
      cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(w / 2.0f, h / 2.0f), angle, zoom);
      cv::Mat out;
      cv::warpAffine(source, out, rot, cv::Size(w, h), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
      if (sink) {
        DERM_RETURN_IF_ERROR(sink->Append(out.data, image_bytes));
      } else {
        set->pixels.insert(set->pixels.end(), out.data, out.data + image_bytes);
      }
      set->labels.push_back(c);
      set->paths.push_back(set->paths[src] + "#copy" + std::to_string(k));
    }
  }
  return Status::Ok();
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
        // A file too large to decode is skipped by the decoder; its hash here is that of nothing.
        hashes[i] = Sha256Hex(ReadFileBytes(entries[i].path, kMaxImageFileBytes).bytes);
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
  DERM_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListFiles(dir, DataRoots(), skipped));
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
  std::vector<Kept> kept;
  return DecodeAll(entries, o, threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency()),
                   &kept, skipped);  // in RAM: cannot fail
}

DecodedFiles DecodeFiles(const std::vector<std::string>& paths, int height, int width, int threads) {
  std::vector<Entry> entries;
  entries.reserve(paths.size());
  for (const auto& p : paths) entries.push_back({p, p, -1});
  DatasetOptions o;
  o.height = height;
  o.width = width;
  DecodedFiles out;
  std::vector<Kept> kept;
  out.images =
      DecodeAll(entries, o,
                threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
                &kept, &out.errors)
          .value();  // in RAM: cannot fail
  for (auto& k : kept) out.sha256.push_back(std::move(k.sha256));
  return out;
}

StatusOr<Dataset> LoadDataset(const DatasetOptions& o) {
  Dataset ds;
  DERM_ASSIGN_OR_RETURN(ds.class_names, ClassFolders(o.train_dir, "training"));
  std::map<std::string, int32_t> label_of;
  for (size_t i = 0; i < ds.class_names.size(); ++i) label_of[ds.class_names[i]] = static_cast<int32_t>(i);
  DERM_ASSIGN_OR_RETURN(std::vector<Entry> all,
                        Scan(o.train_dir, ds.class_names, label_of, o.roots, &ds.skipped));

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
    DERM_ASSIGN_OR_RETURN(test, Scan(o.test_dir, test_classes, label_of, o.roots, &ds.skipped));
  }

  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  std::string cache_path;
  if (!o.cache_dir.empty()) {
    const std::vector<Entry>* splits[3] = {&train, &val, &test};
    cache_path = (fs::path(o.cache_dir) / (CacheKey(splits, o, threads) + ".dermcache")).string();
    auto cached = ReadCache(cache_path, o.cache_budget);
    if (cached.ok()) return cached;  // a damaged cache is decoded again and rewritten
  }
  // Above the budget the images go straight to the cache file as they are decoded.
  std::unique_ptr<CacheWriter> sink;
  const int64_t estimate =
      static_cast<int64_t>(train.size() + val.size() + test.size()) * o.height * o.width * 3;
  if (!cache_path.empty() && o.cache_budget > 0 && estimate > o.cache_budget) {
    DERM_ASSIGN_OR_RETURN(sink, CacheWriter::Create(cache_path));
  }
  std::vector<Kept> kept[3];
  DERM_ASSIGN_OR_RETURN(ds.train, DecodeAll(train, o, threads, &kept[0], &ds.skipped, sink.get()));
  if (o.samples_per_class > 0) {
    DERM_RETURN_IF_ERROR(
        Balance(&ds.train, static_cast<int>(ds.class_names.size()), o.samples_per_class, o.seed, sink.get()));
  }
  DERM_ASSIGN_OR_RETURN(ds.validation, DecodeAll(val, o, threads, &kept[1], &ds.skipped, sink.get()));
  DERM_ASSIGN_OR_RETURN(ds.test, DecodeAll(test, o, threads, &kept[2], &ds.skipped, sink.get()));
  if (ds.train.size() == 0) return InvalidArgument("no image in " + o.train_dir + " could be decoded");
  if (ds.validation.size() == 0) {
    return InvalidArgument("the validation split of " + o.train_dir +
                           " is empty; add images or raise data.validation_split");
  }

  Sha256 fp;
  const char* split_names[3] = {"train", "validation", "test"};
  const std::vector<Entry>* split_entries[3] = {&train, &val, &test};
  for (int s = 0; s < 3; ++s) {
    for (const Kept& k : kept[s]) {
      const Entry& e = (*split_entries[s])[k.entry];
      fp.Update(std::string(split_names[s]) + "\t" + e.rel + "\t" + std::to_string(e.label) + "\t" +
                k.sha256 + "\n");
    }
    if (s == 0 && o.samples_per_class > 0)
      fp.Update("train\tbalance\t" + std::to_string(o.samples_per_class) + "\n");
  }
  ds.fingerprint = fp.HexDigest();
  if (sink) {
    DERM_RETURN_IF_ERROR(sink->Finish(ds));
  } else if (!cache_path.empty()) {
    // A cache that cannot be written only costs the next run its decoding.
    auto writer = CacheWriter::Create(cache_path);
    if (writer.ok()) (void)(*writer)->Finish(ds);
  }
  return ds;
}

}  // namespace derm::data
