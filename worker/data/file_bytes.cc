#include "worker/data/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace derm::data {

FileBytes ReadFileBytes(const std::string& path, uintmax_t max_bytes) {
  FileBytes out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.error = FileBytes::Error::kCannotOpen;
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uintmax_t>(st.st_size) > max_bytes) {
    out.error = FileBytes::Error::kTooLarge;
    out.size = static_cast<uintmax_t>(st.st_size);
    ::close(fd);
    return out;
  }
  if (S_ISREG(st.st_mode)) out.bytes.reserve(static_cast<size_t>(st.st_size));
  // Read to the end, but never past max_bytes + 1 (files whose size fstat does not tell).
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.error = FileBytes::Error::kCannotRead;
      break;
    }
    if (n == 0) break;
    out.bytes.append(buf, static_cast<size_t>(n));
    if (out.bytes.size() > max_bytes) {
      out.error = FileBytes::Error::kTooLarge;
      break;
    }
  }
  ::close(fd);
  out.size = out.bytes.size();
  if (out.error != FileBytes::Error::kNone) out.bytes.clear();
  return out;
}

}  // namespace derm::data
