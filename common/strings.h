// Small string helpers shared by every module.
#pragma once

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace derm {

// `s` without leading and trailing spaces, tabs and line breaks.
inline std::string Trim(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}

// `s` with ASCII letters in upper (lower) case; other bytes as they are. For enum names, keywords
// and roles, which are ASCII; no locale.
inline std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `v` with `digits` digits as printf's %.*f (kFixed), %.*e (kScientific) or %.*g (kGeneral)
// writes it, through std::to_chars: no locale, no buffer to size. The one number formatter.
inline std::string FormatDouble(double v, std::chars_format format, int digits) {
  char buf[512];  // %.*f of 1e308 needs 309 digits before the point
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, format, digits);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}
inline std::string FormatFixed(double v, int digits) {
  return FormatDouble(v, std::chars_format::fixed, digits);
}
inline std::string FormatG(double v, int digits) {
  return FormatDouble(v, std::chars_format::general, digits);
}
inline std::string FormatScientific(double v, int digits) {
  return FormatDouble(v, std::chars_format::scientific, digits);
}

// Appends `bytes` as lowercase hex, two digits per byte.
inline void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    *out += kHex[b >> 4];
    *out += kHex[b & 15];
  }
}

// `s` as a JSON string literal: quoted, with quotes, backslashes and control characters escaped.
inline std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      const char byte = static_cast<char>(c);
      AppendHex(std::string_view(&byte, 1), &out);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// `s` cut to at most `max` bytes without splitting a UTF-8 character, "..." marking a cut.
inline std::string TruncateUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max > 3 ? max - 3 : 0;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // a continuation byte
  return std::string(s.substr(0, end)) + "...";
}

// True when `path` is `dir` or lies below it, component by component (both already canonical).
inline bool PathWithin(const std::filesystem::path& path, const std::filesystem::path& dir) {
  const auto [d, p] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return d == dir.end();
}

// True for the image file names derm reads (.jpg .jpeg .png .bmp), any case.
inline bool HasImageExtension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) return false;
  std::string ext(name.substr(dot));
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

// The pieces of `s` between `sep`s; empty `s` gives no pieces.
inline std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// The offset of the first byte of `s` that does not belong to well-formed UTF-8 (no overlong
// forms, surrogates or code points above U+10FFFF), or npos when all of `s` is UTF-8.
inline size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // truncated
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

// A CSV cell (RFC 4180): quoted, with doubled quotes, when it holds a comma, quote or line break.
inline std::string CsvCell(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace derm
