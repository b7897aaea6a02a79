#include "store/owner_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::store {

StatusOr<std::unique_ptr<OwnerLock>> OwnerLock::Acquire(const std::string& db_path) {
  const std::string path = db_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) return Unavailable("cannot lock " + path + ": " + std::strerror(err));
    const auto pid = ParseInt64(Trim(std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0)));
    return FailedPrecondition(db_path + " is in use by another derm-scheduler" +
                              (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                              "; one scheduler per results database");
  }
  // The pid only makes a second scheduler's refusal more helpful; the lock holds without it.
  const std::string pid = std::to_string(::getpid()) + "\n";
  [[maybe_unused]] const bool noted =
      ::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
  return std::unique_ptr<OwnerLock>(new OwnerLock(fd));
}

OwnerLock::~OwnerLock() { ::close(fd_); }

}  // namespace derm::store
