// JSON text for the database's JSON columns: arrays of strings (class_names) and of numbers
// (probabilities).
#pragma once

#include <google/protobuf/repeated_field.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <string>

#include "common/strings.h"

namespace derm::store {

inline std::string JsonArray(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out = "[";
  for (int i = 0; i < items.size(); ++i) out += (i ? "," : "") + JsonQuote(items[i]);
  return out + "]";
}

// `digits` significant digits: 9 give a float back exactly.
inline std::string JsonArray(const google::protobuf::RepeatedField<float>& items, int digits) {
  std::string out = "[";
  for (int i = 0; i < items.size(); ++i) out += (i ? "," : "") + FormatG(items[i], digits);
  return out + "]";
}

}  // namespace derm::store
