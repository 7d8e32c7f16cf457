#include "server/service/malformed_request_handler.h"

#include <grpcpp/impl/codegen/proto_utils.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "server/core/malformed_message.h"
#include "server/service/status_conversion.h"

namespace streamtune::malformed_request_internal {
namespace {

std::string Flatten(const grpc::ByteBuffer& bytes) {
  std::vector<grpc::Slice> slices;
  std::string flat;
  if (!bytes.Dump(&slices).ok()) return flat;
  flat.reserve(bytes.Length());
  for (const grpc::Slice& slice : slices) {
    flat.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return flat;
}

grpc::Status Unreadable(grpc::ServerContext* context) {
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED,
                        "the call ended before its request arrived");
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "the call carries no request message");
}

}  // namespace

grpc::Status ReadRequest(grpc::ServerReader<grpc::ByteBuffer>* reader,
                         grpc::ServerContext* context,
                         google::protobuf::Message* request, RpcMetrics* metrics,
                         absl::string_view method_name) {
  grpc::ByteBuffer bytes;
  grpc::Status status = reader->Read(&bytes) ? grpc::Status::OK : Unreadable(context);
  if (status.ok()) {
    grpc::ByteBuffer consumed(bytes);  // Shares the slices; parsing frees them.
    if (!grpc::SerializationTraits<google::protobuf::Message>::Deserialize(&consumed,
                                                                           request)
             .ok()) {
      status = ToGrpcStatus(
          DiagnoseUnparsableMessage(Flatten(bytes), *request->GetDescriptor()));
    }
  }
  if (!status.ok()) ScopedRpc(metrics, method_name).Finish(status);
  return status;
}

int UnaryMethodIndex(absl::string_view service, absl::string_view method,
                     const google::protobuf::Descriptor& request) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service));
  const google::protobuf::MethodDescriptor* found =
      descriptor == nullptr ? nullptr
                            : descriptor->FindMethodByName(std::string(method));
  if (found == nullptr || found->input_type() != &request ||
      found->client_streaming() || found->server_streaming()) {
    LogError(absl::StrCat("no unary method ", service, ".", method, " taking ",
                          request.full_name()));
    std::abort();
  }
  return found->index();
}

}  // namespace streamtune::malformed_request_internal
