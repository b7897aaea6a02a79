// Pieces of URLs and forms: a request target split into its path and parameters, percent- and
// form-decoding, cookies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace derm::scheduler::web {

// "%41+b" -> "A b" with `plus_is_space` (forms and queries), else "A+b"; nullopt for a bad escape
// ("%4", "%zz") or a decoded NUL byte.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y&a=2" -> {("a","1"), ("b","x y"), ("a","2")}, in order; nullopt for a bad escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view text);

struct Target {
  std::string path;  // decoded
  std::vector<std::pair<std::string, std::string>> query;
};
// "/api/v1/runs?filter=a%3Db" -> {"/api/v1/runs", {("filter", "a=b")}}; nullopt for a bad escape
// or a path that does not start with "/".
std::optional<Target> ParseTarget(std::string_view target);

// The value of cookie `name` in a Cookie header ("a=1; derm_session=xyz"); empty when absent.
std::string CookieValue(std::string_view header, std::string_view name);

}  // namespace derm::scheduler::web
