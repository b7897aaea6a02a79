// Whole-string number parsing without exceptions, locale or silent partial reads: "12abc", "",
// " 1", "+1" and out-of-range values are refused (std::nullopt), unlike atoi/strtol.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace derm {

inline std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace derm
