// JSON text for the database's JSON columns (class_names): arrays of strings.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <string>

#include "common/strings.h"

namespace derm::store {

inline std::string JsonArray(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out = "[";
  for (int i = 0; i < items.size(); ++i) out += (i ? "," : "") + JsonQuote(items[i]);
  return out + "]";
}

}  // namespace derm::store
