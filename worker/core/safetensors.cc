#include "worker/core/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/strings.h"
#include "worker/core/json_lite.h"

namespace derm::core {
namespace {

constexpr uint64_t kMaxHeader = 100u << 20;

struct DType {
  const char* name;
  at::ScalarType type;
};
constexpr DType kDTypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
};

const DType* FindDType(const std::string& name) {
  for (const auto& d : kDTypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const DType* FindDType(at::ScalarType t) {
  for (const auto& d : kDTypes) {
    if (t == d.type) return &d;
  }
  return nullptr;
}

struct Span {
  uint64_t begin, end;
  std::string name;
};

}  // namespace

StatusOr<TensorMap> ParseSafetensors(std::string_view bytes, Metadata* metadata) {
  if (bytes.size() < 8) return InvalidArgument("safetensors: file is shorter than its 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  if (n > kMaxHeader || n > bytes.size() - 8) {
    // The value read is not echoed: the file may be anything (a spec once named /dev/zero).
    return InvalidArgument("safetensors: the header length in the first 8 bytes is larger than the " +
                           std::to_string(bytes.size()) + "-byte file or the " +
                           std::to_string(kMaxHeader >> 20) + " MB limit");
  }
  auto header = ParseJson(bytes.substr(8, n));
  if (!header.ok()) return header.status().WithPrefix("safetensors: malformed header");
  if (header->kind != JsonValue::Kind::kObject)
    return InvalidArgument("safetensors: header is not a JSON object");
  const std::string_view data = bytes.substr(8 + n);

  TensorMap tensors;
  std::vector<Span> spans;
  for (const auto& entry : header->object) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture one
    const JsonValue& info = entry.second;
    if (name == "__metadata__") {
      if (info.kind != JsonValue::Kind::kObject)
        return InvalidArgument("safetensors: __metadata__ is not an object");
      for (const auto& [key, value] : info.object) {
        if (value.kind != JsonValue::Kind::kString)
          return InvalidArgument("safetensors: __metadata__ value " + key + " is not a string");
        if (metadata) (*metadata)[key] = value.string;
      }
      continue;
    }
    auto bad = [&](const std::string& why) {
      return InvalidArgument("safetensors: tensor " + name + ": " + why);
    };
    if (info.kind != JsonValue::Kind::kObject) return bad("entry is not an object");
    auto dtype_it = info.object.find("dtype");
    auto shape_it = info.object.find("shape");
    auto offsets_it = info.object.find("data_offsets");
    if (dtype_it == info.object.end() || dtype_it->second.kind != JsonValue::Kind::kString)
      return bad("no dtype");
    const DType* dtype = FindDType(dtype_it->second.string);
    if (!dtype) return bad("unsupported dtype " + dtype_it->second.string);
    if (shape_it == info.object.end() || shape_it->second.kind != JsonValue::Kind::kArray)
      return bad("no shape");
    std::vector<int64_t> shape;
    uint64_t numel = 1;
    for (const auto& d : shape_it->second.array) {
      if (d.kind != JsonValue::Kind::kInteger || d.integer < 0 || d.integer > (int64_t{1} << 40)) {
        return bad("shape has an invalid dimension");
      }
      shape.push_back(d.integer);
      numel *= static_cast<uint64_t>(d.integer);
      if (numel > (uint64_t{1} << 40)) return bad("shape is too large");
    }
    if (offsets_it == info.object.end() || offsets_it->second.kind != JsonValue::Kind::kArray ||
        offsets_it->second.array.size() != 2 ||
        offsets_it->second.array[0].kind != JsonValue::Kind::kInteger ||
        offsets_it->second.array[1].kind != JsonValue::Kind::kInteger) {
      return bad("data_offsets must be [begin, end]");
    }
    const int64_t begin = offsets_it->second.array[0].integer, end = offsets_it->second.array[1].integer;
    if (begin < 0 || end < begin || static_cast<uint64_t>(end) > data.size()) {
      return bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] are outside the " + std::to_string(data.size()) + "-byte data");
    }
    const uint64_t expected = numel * at::elementSize(dtype->type);
    if (static_cast<uint64_t>(end - begin) != expected) {
      return bad("holds " + std::to_string(end - begin) + " bytes but its shape and dtype need " +
                 std::to_string(expected));
    }
    spans.push_back({static_cast<uint64_t>(begin), static_cast<uint64_t>(end), name});
    at::Tensor t = at::empty(shape, at::TensorOptions(dtype->type));
    if (expected) std::memcpy(t.data_ptr(), data.data() + begin, expected);
    tensors.emplace(name, std::move(t));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[i - 1].end) {
      return InvalidArgument("safetensors: tensors " + spans[i - 1].name + " and " + spans[i].name +
                             " overlap");
    }
  }
  return tensors;
}

StatusOr<TensorMap> ReadSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open weights file " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = ParseSafetensors(bytes);
  if (!parsed.ok()) return parsed.status().WithPrefix(path);
  return parsed;
}

StatusOr<std::string> SerializeSafetensors(const TensorMap& tensors, const Metadata& metadata) {
  std::string header = "{", data;
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (const auto& [key, value] : metadata) {
      header += std::string(first ? "" : ",") + JsonQuote(key) + ":" + JsonQuote(value);
      first = false;
    }
    header += "}";
  }
  for (const auto& [name, t] : tensors) {
    const DType* dtype = FindDType(t.scalar_type());
    if (!dtype) return InvalidArgument("safetensors: tensor " + name + " has an unsupported dtype");
    at::Tensor c = t.to(at::kCPU).contiguous();
    const size_t begin = data.size();
    data.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
    std::string shape;
    for (int64_t d : c.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += std::string(first ? "" : ",") + JsonQuote(name) + ":{\"dtype\":\"" + dtype->name +
              "\",\"shape\":[" + shape + "],\"data_offsets\":[" + std::to_string(begin) + "," +
              std::to_string(data.size()) + "]}";
    first = false;
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

}  // namespace derm::core
