// A small JSON reader for the headers of .safetensors files: objects, arrays, strings (with
// escapes), integers, and the literals. Bounded nesting; never throws. Lives in the tensor core
// so that the core needs LibTorch alone.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status_or.h"

namespace derm::core {

struct JsonValue {
  enum class Kind { kNull, kBool, kInteger, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;  // kInteger
  double number = 0;    // kNumber (and kInteger)
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;  // duplicate keys are an error
};

// Parses `text` (one JSON value, surrounding whitespace allowed). INVALID_ARGUMENT with the byte
// offset on any error.
StatusOr<JsonValue> ParseJson(std::string_view text);

}  // namespace derm::core
