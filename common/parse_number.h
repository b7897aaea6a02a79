// Number parsing without exceptions, locale or silent partial reads (std::from_chars): "12abc",
// "", " 1" and out-of-range values are refused (std::nullopt), unlike atoi/strtol/stoll. The one
// place derm turns text into numbers.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace derm {

// A whole-string decimal integer ("12", "-3").
inline std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A whole-string decimal number ("1.5", "-2e-3", "+0.25", as YAML and JSON write them); "inf"
// and "nan" parse too, so callers that need a finite value check std::isfinite.
inline std::optional<double> ParseDouble(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The longest number at the start of `s` and its length (0: none there), for tokenizers.
inline std::pair<double, size_t> ParseDoublePrefix(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? std::pair{v, static_cast<size_t>(end - s.data())} : std::pair{0.0, size_t{0}};
}

}  // namespace derm
