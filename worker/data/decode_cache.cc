#include "worker/data/decode_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace derm::data {
namespace {

constexpr char kMagic[] = "DERMCACHE3";
constexpr int64_t kMagicBytes = sizeof kMagic - 1;

void PutU64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); }
void PutString(std::string* out, const std::string& s) {
  PutU64(out, s.size());
  out->append(s);
}

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}
  bool U64(uint64_t* v) { return Bytes(v, sizeof *v); }
  bool Str(std::string* s) {
    uint64_t n;
    if (!U64(&n) || n > b_.size() - pos_) return false;
    s->assign(b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Bytes(void* dst, uint64_t n) {
    if (n > b_.size() - pos_) return false;
    if (n == 0) return true;  // an empty split's labels: dst may be null, which memcpy may not get
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == b_.size(); }
  // Whether `count` items of at least `each` bytes can still follow: checked before reserving
  // memory for them, so that a small file cannot make the reader allocate gigabytes.
  bool CanHold(uint64_t count, uint64_t each) const { return count <= (b_.size() - pos_) / each; }

 private:
  const std::string& b_;
  size_t pos_ = 0;
};

std::string Metadata(const Dataset& ds) {
  std::string out;
  PutString(&out, ds.fingerprint);
  PutU64(&out, ds.class_names.size());
  for (const auto& c : ds.class_names) PutString(&out, c);
  PutU64(&out, ds.skipped.size());
  for (const auto& s : ds.skipped) {
    PutString(&out, s.path);
    PutString(&out, s.reason);
  }
  for (const core::ImageSet* set : {&ds.train, &ds.validation, &ds.test}) {
    PutU64(&out, set->height);
    PutU64(&out, set->width);
    PutU64(&out, set->size());
    out.append(reinterpret_cast<const char*>(set->labels.data()), set->labels.size() * sizeof(int32_t));
    for (const auto& p : set->paths) PutString(&out, p);
  }
  for (const auto& hashes : ds.hashes) {
    PutU64(&out, hashes.size());
    for (const auto& h : hashes) {
      PutString(&out, h.sha256);
      for (uint64_t b : h.perceptual.bits) PutU64(&out, b);
      out.append(reinterpret_cast<const char*>(h.perceptual.grey.data()), h.perceptual.grey.size());
    }
  }
  return out;
}

bool ParseMetadata(const std::string& bytes, Dataset* ds) {
  Reader r(bytes);
  uint64_t n;
  if (!r.Str(&ds->fingerprint) || !r.U64(&n) || n > 100000 || !r.CanHold(n, 8)) return false;
  ds->class_names.resize(n);
  for (auto& c : ds->class_names) {
    if (!r.Str(&c)) return false;
  }
  if (!r.U64(&n) || n > 10000000 || !r.CanHold(n, 16)) return false;
  ds->skipped.resize(n);
  for (auto& s : ds->skipped) {
    if (!r.Str(&s.path) || !r.Str(&s.reason)) return false;
  }
  for (core::ImageSet* set : {&ds->train, &ds->validation, &ds->test}) {
    uint64_t h, w, count;
    if (!r.U64(&h) || !r.U64(&w) || !r.U64(&count) || h > 4096 || w > 4096 || count > 100000000 ||
        !r.CanHold(count, sizeof(int32_t) + 8)) {
      return false;
    }
    set->height = static_cast<int64_t>(h);
    set->width = static_cast<int64_t>(w);
    set->labels.resize(count);
    if (!r.Bytes(set->labels.data(), count * sizeof(int32_t))) return false;
    set->paths.resize(count);
    for (auto& p : set->paths) {
      if (!r.Str(&p)) return false;
    }
  }
  for (auto& hashes : ds->hashes) {
    if (!r.U64(&n) || n > 100000000 || !r.CanHold(n, 40 + kThumbSide * kThumbSide)) return false;
    hashes.resize(n);
    for (auto& h : hashes) {
      if (!r.Str(&h.sha256)) return false;
      for (uint64_t& b : h.perceptual.bits) {
        if (!r.U64(&b)) return false;
      }
      if (!r.Bytes(h.perceptual.grey.data(), h.perceptual.grey.size())) return false;
    }
  }
  return r.AtEnd();
}

bool ReadAt(int fd, void* dst, int64_t n, int64_t offset) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd, p, n, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got, n -= got, offset += got;
  }
  return true;
}

}  // namespace

CacheWriter::CacheWriter(std::string path, std::string tmp, std::shared_ptr<const core::PixelFile> file)
    : path_(std::move(path)), tmp_(std::move(tmp)), file_(std::move(file)) {}

StatusOr<std::unique_ptr<CacheWriter>> CacheWriter::Create(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot create the decode cache " + tmp + ": " + std::strerror(errno));
  std::unique_ptr<CacheWriter> w(new CacheWriter(path, tmp, std::make_shared<core::PixelFile>(fd)));
  DERM_RETURN_IF_ERROR(w->Append(reinterpret_cast<const uint8_t*>(kMagic), kMagicBytes));
  return w;
}

CacheWriter::~CacheWriter() {
  if (!finished_) ::unlink(tmp_.c_str());
}

Status CacheWriter::Append(const uint8_t* bytes, size_t n) {
  while (n > 0) {
    const ssize_t put = ::pwrite(file_->fd(), bytes, n, offset_);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return Internal("writing the decode cache " + tmp_ + " failed: " + std::strerror(errno));
    bytes += put, n -= put, offset_ += put;
  }
  return Status::Ok();
}

Status CacheWriter::Finish(const Dataset& ds) {
  for (const core::ImageSet* set : {&ds.train, &ds.validation, &ds.test}) {
    if (!set->file) DERM_RETURN_IF_ERROR(Append(set->pixels.data(), set->pixels.size()));
  }
  std::string meta = Metadata(ds);
  PutU64(&meta, meta.size());
  DERM_RETURN_IF_ERROR(Append(reinterpret_cast<const uint8_t*>(meta.data()), meta.size()));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    return Internal("cannot rename the decode cache to " + path_ + ": " + std::strerror(errno));
  finished_ = true;
  return Status::Ok();
}

StatusOr<Dataset> ReadCache(const std::string& path, int64_t budget) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("no decode cache " + path);
  auto file = std::make_shared<const core::PixelFile>(fd);
  const Status damaged = DataLoss("decode cache " + path + " is damaged");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < kMagicBytes + 8) return damaged;
  char magic[kMagicBytes];
  uint64_t meta_bytes = 0;
  if (!ReadAt(fd, magic, kMagicBytes, 0) || std::memcmp(magic, kMagic, kMagicBytes) != 0 ||
      !ReadAt(fd, &meta_bytes, 8, st.st_size - 8) ||
      meta_bytes > static_cast<uint64_t>(st.st_size) - kMagicBytes - 8) {
    return damaged;
  }
  std::string meta(meta_bytes, '\0');
  Dataset ds;
  const int64_t meta_at = st.st_size - 8 - static_cast<int64_t>(meta_bytes);
  if (!ReadAt(fd, meta.data(), static_cast<int64_t>(meta_bytes), meta_at) || !ParseMetadata(meta, &ds))
    return damaged;
  int64_t pixels = 0;
  for (const core::ImageSet* set : {&ds.train, &ds.validation, &ds.test})
    pixels += set->size() * set->image_bytes();
  if (kMagicBytes + pixels != meta_at) return damaged;
  const bool stream = budget > 0 && pixels > budget;
  int64_t offset = kMagicBytes;
  for (core::ImageSet* set : {&ds.train, &ds.validation, &ds.test}) {
    const int64_t bytes = set->size() * set->image_bytes();
    if (stream) {
      set->file = file;
      set->file_offset = offset;
    } else {
      set->pixels.resize(bytes);
      if (!ReadAt(fd, set->pixels.data(), bytes, offset)) return damaged;
    }
    offset += bytes;
  }
  return ds;
}

}  // namespace derm::data
