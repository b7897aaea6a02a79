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

}  // namespace derm
