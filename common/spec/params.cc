#include "common/spec/params.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "common/strings.h"

namespace derm {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string Scalar(const Message& m, const FieldDescriptor* f, int index) {
  const auto* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatG(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f), 10);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatG(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f), 7);
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return rep ? r->GetRepeatedEnum(m, f, index)->name() : r->GetEnum(m, f)->name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

void Flatten(const Message& m, const std::string& prefix, std::map<std::string, std::string>* out) {
  std::vector<const FieldDescriptor*> fields;
  m.GetReflection()->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string name = prefix + f->name();
    const auto* r = m.GetReflection();
    if (f->is_map()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        const Message& entry = r->GetRepeatedMessage(m, f, i);
        const auto* d = entry.GetDescriptor();
        (*out)[name + "." + Scalar(entry, d->FindFieldByName("key"), 0)] =
            Scalar(entry, d->FindFieldByName("value"), 0);
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) continue;  // no repeated messages in JobSpec
      Flatten(r->GetMessage(m, f), name + ".", out);
    } else if (f->is_repeated()) {
      std::string list = "[";
      for (int i = 0; i < r->FieldSize(m, f); ++i) list += (i ? ", " : "") + Scalar(m, f, i);
      (*out)[name] = list + "]";
    } else {
      (*out)[name] = Scalar(m, f, 0);
    }
  }
}

}  // namespace

std::map<std::string, std::string> FlattenSpec(const derm::v1::JobSpec& spec) {
  std::map<std::string, std::string> out;
  Flatten(spec, "", &out);
  return out;
}

}  // namespace derm
