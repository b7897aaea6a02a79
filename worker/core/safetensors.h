// Reading and writing .safetensors files: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw tensor
// bytes. Reading checks everything before trusting it (header bounds, dtypes, shapes against
// byte counts, offsets inside the data, no overlaps) and names the offending tensor.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <string_view>

#include "common/status_or.h"
#include "worker/core/resnet50.h"

namespace derm::core {

// Parses a whole file's bytes. Tensors keep their stored dtype (F64, F32, F16, BF16, I64, I32,
// I16, I8, U8, BOOL).
// With `metadata`, the header's "__metadata__" string map is returned there.
using Metadata = std::map<std::string, std::string>;
StatusOr<TensorMap> ParseSafetensors(std::string_view bytes, Metadata* metadata = nullptr);
// Reads and parses `path`; NOT_FOUND when it cannot be opened.
StatusOr<TensorMap> ReadSafetensors(const std::string& path);
// Serialises contiguous CPU copies of `tensors` (F32, F64, I64, I32, U8 and the others above),
// with `metadata` as the header's "__metadata__".
StatusOr<std::string> SerializeSafetensors(const TensorMap& tensors, const Metadata& metadata = {});

}  // namespace derm::core
