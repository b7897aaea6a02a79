#include "scheduler/web/request_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include "common/parse_number.h"
#include "common/strings.h"

namespace derm::scheduler::web {

namespace {

using google::protobuf::FieldDescriptor;

Status Bad(const FieldDescriptor& field, const std::string& value) {
  return InvalidArgument("parameter " + field.name() + ": cannot use '" + value + "' as " +
                         field.type_name());
}

// Sets (or for a repeated field adds) one value of `field` from its text.
Status SetOne(const FieldDescriptor& field, const std::string& value, google::protobuf::Message* m) {
  const auto* r = m->GetReflection();
  const bool rep = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64: {
      const auto v = ParseInt64(value);
      if (!v) return Bad(field, value);
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        if (*v < INT32_MIN || *v > INT32_MAX) return Bad(field, value);
        const auto v32 = static_cast<int32_t>(*v);
        rep ? r->AddInt32(m, &field, v32) : r->SetInt32(m, &field, v32);
      } else {
        rep ? r->AddInt64(m, &field, *v) : r->SetInt64(m, &field, *v);
      }
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const auto v = ParseDouble(value);
      if (!v) return Bad(field, value);
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(m, &field, static_cast<float>(*v)) : r->SetFloat(m, &field, static_cast<float>(*v));
      } else {
        rep ? r->AddDouble(m, &field, *v) : r->SetDouble(m, &field, *v);
      }
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (value != "true" && value != "false") return Bad(field, value);
      rep ? r->AddBool(m, &field, value == "true") : r->SetBool(m, &field, value == "true");
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(m, &field, value) : r->SetString(m, &field, value);
      return Status::Ok();
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = field.enum_type()->FindValueByName(AsciiUpper(value));
      if (!e) {
        const auto n = ParseInt64(value);
        if (n && *n >= INT32_MIN && *n <= INT32_MAX)
          e = field.enum_type()->FindValueByNumber(static_cast<int>(*n));
      }
      if (!e) return Bad(field, value);
      rep ? r->AddEnum(m, &field, e) : r->SetEnum(m, &field, e);
      return Status::Ok();
    }
    default:
      return InvalidArgument("parameter " + field.name() +
                             " cannot be given in the URL; send it in a JSON body");
  }
}

Status Set(const std::string& name, const std::string& value, google::protobuf::Message* m) {
  const FieldDescriptor* field = m->GetDescriptor()->FindFieldByName(name);
  if (!field) return InvalidArgument("unknown parameter '" + name + "'");
  if (field->is_map()) {
    return InvalidArgument("parameter " + name + " cannot be given in the URL; send it in a JSON body");
  }
  if (!field->is_repeated()) return SetOne(*field, value, m);
  for (const std::string& part : Split(value, ',')) DERM_RETURN_IF_ERROR(SetOne(*field, part, m));
  return Status::Ok();
}

}  // namespace

Status FillRequest(const std::string& body, const std::vector<std::pair<std::string, std::string>>& query,
                   const std::map<std::string, std::string>& path_params,
                   google::protobuf::Message* request) {
  if (!body.empty()) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto st = google::protobuf::util::JsonStringToMessage(body, request, options);
    if (!st.ok())
      return InvalidArgument("the JSON body does not fit " + request->GetTypeName() + ": " +
                             std::string(st.message()));
  }
  for (const auto& [name, value] : query) DERM_RETURN_IF_ERROR(Set(name, value, request));
  for (const auto& [name, value] : path_params) DERM_RETURN_IF_ERROR(Set(name, value, request));
  return Status::Ok();
}

}  // namespace derm::scheduler::web
