#include "scheduler/reflection_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <set>

namespace derm::scheduler {
namespace {

namespace pb = google::protobuf;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

constexpr size_t kMaxRequestBytes = 4096;

void SetError(ServerReflectionResponse* out, grpc::StatusCode code, const std::string& message) {
  out->mutable_error_response()->set_error_code(code);
  out->mutable_error_response()->set_error_message(message);
}

// `file` and, once per stream (`sent`), each file it depends on.
void AddFile(const pb::FileDescriptor* file, std::set<std::string>* sent, ServerReflectionResponse* out) {
  if (!sent->insert(file->name()).second) return;
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out->mutable_file_descriptor_response()->add_file_descriptor_proto(proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) AddFile(file->dependency(i), sent, out);
}

void Answer(const ServerReflectionRequest& req, const std::vector<std::string>& services,
            std::set<std::string>* sent, ServerReflectionResponse* out) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  switch (req.message_request_case()) {
    case ServerReflectionRequest::kListServices:
      for (const auto& name : services) out->mutable_list_services_response()->add_service()->set_name(name);
      return;
    case ServerReflectionRequest::kFileByFilename:
      if (const auto* f = pool->FindFileByName(req.file_by_filename())) return AddFile(f, sent, out);
      return SetError(out, grpc::StatusCode::NOT_FOUND, "no file " + req.file_by_filename());
    case ServerReflectionRequest::kFileContainingSymbol:
      if (const auto* f = pool->FindFileContainingSymbol(req.file_containing_symbol()))
        return AddFile(f, sent, out);
      return SetError(out, grpc::StatusCode::NOT_FOUND, "no symbol " + req.file_containing_symbol());
    case ServerReflectionRequest::kFileContainingExtension: {
      const auto& ext = req.file_containing_extension();
      const auto* type = pool->FindMessageTypeByName(ext.containing_type());
      const auto* field = type ? pool->FindExtensionByNumber(type, ext.extension_number()) : nullptr;
      if (field) return AddFile(field->file(), sent, out);
      return SetError(out, grpc::StatusCode::NOT_FOUND, "no such extension");
    }
    case ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const auto* type = pool->FindMessageTypeByName(req.all_extension_numbers_of_type());
      if (!type)
        return SetError(out, grpc::StatusCode::NOT_FOUND, "no type " + req.all_extension_numbers_of_type());
      std::vector<const pb::FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      auto* numbers = out->mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* e : extensions) numbers->add_extension_number(e->number());
      return;
    }
    default:
      return SetError(out, grpc::StatusCode::UNIMPLEMENTED, "unknown reflection request");
  }
}

}  // namespace

grpc::Status ReflectionServiceImpl::ServerReflectionInfo(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<ServerReflectionResponse, ServerReflectionRequest>* stream) {
  return guard_->Run(ctx, "grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo",
                     [&](const Principal&) { return Serve(stream); });
}

grpc::Status ReflectionServiceImpl::Serve(
    grpc::ServerReaderWriter<ServerReflectionResponse, ServerReflectionRequest>* stream) const {
  std::set<std::string> sent;
  ServerReflectionRequest req;
  while (stream->Read(&req)) {
    ServerReflectionResponse resp;
    if (req.ByteSizeLong() > kMaxRequestBytes) {  // names are short: a long one is not echoed back
      SetError(&resp, grpc::StatusCode::INVALID_ARGUMENT, "a reflection request is at most 4 KiB");
    } else {
      resp.set_valid_host(req.host());
      *resp.mutable_original_request() = req;
      Answer(req, services_, &sent, &resp);
    }
    if (!stream->Write(resp)) return grpc::Status::CANCELLED;
  }
  return grpc::Status::OK;
}

}  // namespace derm::scheduler
