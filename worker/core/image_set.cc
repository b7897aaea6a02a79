#include "worker/core/image_set.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace derm::core {

PixelFile::~PixelFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ImageSet::Gather(const int64_t* idx, size_t n, uint8_t* dst) const {
  const int64_t bytes = image_bytes();
  for (size_t i = 0; i < n; ++i, dst += bytes) {
    if (!file) {
      std::memcpy(dst, image(idx[i]), bytes);
      continue;
    }
    int64_t done = 0;
    while (done < bytes) {
      const ssize_t got = ::pread(file->fd(), dst + done, bytes - done, file_offset + idx[i] * bytes + done);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        throw std::runtime_error(
            "reading image " + std::to_string(idx[i]) + " from the decoded-dataset cache failed" +
            (got < 0 ? std::string(": ") + std::strerror(errno) : ": the file is short"));
      }
      done += got;
    }
  }
}

}  // namespace derm::core
