#include "common/grpc/auth.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace derm {

std::string BearerValue(const std::string& token) { return "Bearer " + token; }

StatusOr<std::string> LoadToken(const std::string& file) {
  std::string token;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return NotFound("cannot read token file " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    token = ss.str();
    if (Trim(token).empty()) return InvalidArgument("token file " + file + " is empty");
  } else if (const char* env = std::getenv("DERM_TOKEN")) {
    token = env;
  }
  return Trim(token);
}

Status CheckBearer(const std::string& expected, const std::string* presented) {
  if (expected.empty()) return Status::Ok();
  if (!presented) {
    return Status(StatusCode::kUnauthenticated,
                  "this scheduler requires a token: pass --token-file or set DERM_TOKEN");
  }
  const std::string want = BearerValue(expected);
  unsigned diff = want.size() != presented->size();
  for (size_t i = 0; i < want.size(); ++i) diff |= want[i] ^ (i < presented->size() ? (*presented)[i] : 0);
  if (diff) return Status(StatusCode::kUnauthenticated, "the token was not accepted by the scheduler");
  return Status::Ok();
}

}  // namespace derm
