#include "worker/core/json_lite.h"

#include <charconv>

#include "common/parse_number.h"

namespace derm::core {
namespace {

constexpr int kMaxDepth = 32;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Status Value(JsonValue* out, int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    Space();
    if (pos_ >= s_.size()) return Error("unexpected end");
    const char c = s_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->kind = JsonValue::Kind::kString;
      return String(&out->string);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(out);
    if (Literal("true")) {
      out->kind = JsonValue::Kind::kBool;
      out->boolean = true;
      return Status::Ok();
    }
    if (Literal("false")) {
      out->kind = JsonValue::Kind::kBool;
      return Status::Ok();
    }
    if (Literal("null")) return Status::Ok();
    return Error("unexpected character");
  }

  Status End() {
    Space();
    return pos_ == s_.size() ? Status::Ok() : Error("trailing characters");
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgument("JSON " + what + " at byte " + std::to_string(pos_));
  }
  void Space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool Eat(char c) {
    Space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Status Object(JsonValue* out, int depth) {
    out->kind = JsonValue::Kind::kObject;
    ++pos_;
    if (Eat('}')) return Status::Ok();
    do {
      Space();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a key");
      std::string key;
      DERM_RETURN_IF_ERROR(String(&key));
      if (!Eat(':')) return Error("expected ':'");
      JsonValue v;
      DERM_RETURN_IF_ERROR(Value(&v, depth + 1));
      if (!out->object.emplace(std::move(key), std::move(v)).second) return Error("duplicate key");
    } while (Eat(','));
    return Eat('}') ? Status::Ok() : Error("expected ',' or '}'");
  }

  Status Array(JsonValue* out, int depth) {
    out->kind = JsonValue::Kind::kArray;
    ++pos_;
    if (Eat(']')) return Status::Ok();
    do {
      JsonValue v;
      DERM_RETURN_IF_ERROR(Value(&v, depth + 1));
      out->array.push_back(std::move(v));
    } while (Eat(','));
    return Eat(']') ? Status::Ok() : Error("expected ',' or ']'");
  }

  Status String(std::string* out) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return Error("short \\u escape");
          unsigned code = 0;
          auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, code, 16);
          if (ec != std::errc() || p != s_.data() + pos_ + 4) return Error("bad \\u escape");
          pos_ += 4;
          // UTF-8 encode (surrogate pairs are kept as two code points; names here are ASCII).
          if (code < 0x80) {
            out->push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (code >> 6)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xE0 | (code >> 12)));
            out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default:
          return Error("bad escape");
      }
    }
    return Error("unterminated string");
  }

  Status Number(JsonValue* out) {
    const size_t start = pos_;
    bool integer = true;
    if (s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integer = false;
        ++pos_;
      } else {
        break;
      }
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    if (integer) {
      const auto integer_value = ParseInt64(text);
      if (!integer_value) return Error("bad integer");
      out->integer = *integer_value;
      out->kind = JsonValue::Kind::kInteger;
      out->number = static_cast<double>(out->integer);
      return Status::Ok();
    }
    const auto number = ParseDouble(text);
    if (!number) return Error("bad number");
    out->number = *number;
    out->kind = JsonValue::Kind::kNumber;
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

StatusOr<JsonValue> ParseJson(std::string_view text) {
  Parser p(text);
  JsonValue v;
  DERM_RETURN_IF_ERROR(p.Value(&v, 0));
  DERM_RETURN_IF_ERROR(p.End());
  return v;
}

}  // namespace derm::core
