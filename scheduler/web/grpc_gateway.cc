#include "scheduler/web/grpc_gateway.h"

#include <google/protobuf/message.h>

#include <vector>

#include "common/grpc/grpc_status.h"

namespace derm::scheduler::web {

namespace {

// "derm.v1.JobService.GetRun" -> "/derm.v1.JobService/GetRun".
std::string MethodPath(const std::string& rpc) {
  const size_t dot = rpc.rfind('.');
  return "/" + rpc.substr(0, dot) + "/" + rpc.substr(dot + 1);
}

grpc::ByteBuffer ToBuffer(const google::protobuf::Message& m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool FromBuffer(const grpc::ByteBuffer& buffer, google::protobuf::Message* m) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return m->ParseFromString(bytes);
}

void Authorize(grpc::ClientContext* ctx, const std::string& token) {
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
}

bool PlausibleToken(const std::string& token) {
  if (token.size() > 256) return false;
  for (char c : token) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

const Status& MalformedToken() {
  static const Status* status = new Status(StatusCode::kUnauthenticated, "that is not a derm token");
  return *status;
}

void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }

}  // namespace

Status GrpcGateway::Call(const std::string& rpc, const std::string& token,
                         const google::protobuf::Message& request, google::protobuf::Message* response,
                         std::chrono::milliseconds timeout) const {
  if (!PlausibleToken(token)) return MalformedToken();
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  Authorize(&ctx, token);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&ctx, MethodPath(rpc), ToBuffer(request), &cq);
  call->StartCall();
  grpc::ByteBuffer answer;
  grpc::Status status;
  call->Finish(&answer, &status, Tag(1));
  void* tag = nullptr;
  bool ok = false;
  (void)cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return FromGrpc(status);
  if (!FromBuffer(answer, response)) return Internal("the answer of " + rpc + " does not parse");
  return Status::Ok();
}

std::unique_ptr<GrpcGateway::Stream> GrpcGateway::OpenStream(const std::string& rpc, const std::string& token,
                                                             const google::protobuf::Message& request) const {
  std::unique_ptr<Stream> s(new Stream());
  if (!PlausibleToken(token)) {
    s->finished_ = true;
    s->status_ = MalformedToken();
    return s;
  }
  Authorize(&s->ctx_, token);
  grpc::GenericStub stub(channel_);
  s->call_ = stub.PrepareCall(&s->ctx_, MethodPath(rpc), &s->cq_);
  s->call_->StartCall(Tag(1));
  if (s->Await()) {
    s->call_->Write(ToBuffer(request), Tag(2));
    if (s->Await()) {
      s->call_->WritesDone(Tag(3));
      (void)s->Await();
    }
  }
  return s;
}

bool GrpcGateway::Stream::Await() {
  void* tag = nullptr;
  bool ok = false;
  return cq_.Next(&tag, &ok) && ok;
}

GrpcGateway::Stream::Next GrpcGateway::Stream::Read(google::protobuf::Message* out,
                                                    std::chrono::milliseconds wait) {
  if (finished_) return Next::kEnd;
  if (!read_pending_) {
    call_->Read(&buffer_, Tag(4));
    read_pending_ = true;
  }
  void* tag = nullptr;
  bool ok = false;
  switch (cq_.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + wait)) {
    case grpc::CompletionQueue::TIMEOUT:
      return Next::kTimeout;
    case grpc::CompletionQueue::SHUTDOWN:
      finished_ = true;
      return Next::kEnd;
    case grpc::CompletionQueue::GOT_EVENT:
      break;
  }
  read_pending_ = false;
  if (ok) {
    if (FromBuffer(buffer_, out)) return Next::kMessage;
    ctx_.TryCancel();
  }
  call_->Finish(&grpc_status_, Tag(5));
  (void)Await();
  finished_ = true;
  status_ = FromGrpc(grpc_status_);
  return Next::kEnd;
}

GrpcGateway::Stream::~Stream() {
  if (call_ && !finished_) {
    ctx_.TryCancel();
    if (read_pending_) (void)Await();
    call_->Finish(&grpc_status_, Tag(5));
    (void)Await();
  }
  cq_.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq_.Next(&tag, &ok)) {
  }
}

}  // namespace derm::scheduler::web
