// Reading a whole file that a spec named, with a bound: at most max_bytes are ever read, whatever
// the file is (a 10 GB file, /dev/zero, one that grows while it is read). Callers word the
// problems for their users; the worker reads weights, model files, head checkpoints and images
// only through here.
#pragma once

#include <cstdint>
#include <string>

namespace derm::data {

struct FileBytes {
  enum class Error { kNone, kCannotOpen, kTooLarge, kCannotRead };
  Error error = Error::kNone;
  uintmax_t size = 0;  // bytes of the file (with kTooLarge: at least max_bytes + 1)
  std::string bytes;   // all of them when error is kNone
};

FileBytes ReadFileBytes(const std::string& path, uintmax_t max_bytes);

}  // namespace derm::data
