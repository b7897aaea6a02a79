// Writing a secret to a file that did not exist: created with O_EXCL and O_NOFOLLOW, mode 0600,
// and synced, so it never replaces or follows what is there and only its owner can read it.
#pragma once

#include <string>

#include "common/status.h"

namespace derm::scheduler {

// ALREADY_EXISTS when `path` exists (a file, a link, anything); UNAVAILABLE naming the path when
// it cannot be written (the half-written file is removed).
Status WriteNewSecretFile(const std::string& path, const std::string& content);

}  // namespace derm::scheduler
