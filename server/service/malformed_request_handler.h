// Unary methods that answer a request whose bytes do not parse (not
// protobuf at all, or a proto3 string holding invalid UTF-8) with
// INVALID_ARGUMENT naming the bad field, e.g.
// `snapshot.operators[2].id: invalid UTF-8`, where gRPC alone answers
// INTERNAL with an empty message before any handler of ours runs.
//
// Not a server interceptor: gRPC 1.51's sync server parses the request and
// frees its bytes before interceptors run, so an interceptor sees only a
// null message at POST_RECV_MESSAGE and could never say which field was bad.
// Instead each method is installed with Service::MarkMethodStreamed, gRPC's
// hook for replacing a sync method's handler: the server then hands the call
// over without reading the request, and gRPC's client-streaming handler
// reads the raw bytes, which we parse ourselves before calling the method.
// The wire and the unary semantics (one request, one response or an error)
// are unchanged for clients.
#ifndef STREAMTUNE_SERVER_SERVICE_MALFORMED_REQUEST_HANDLER_H_
#define STREAMTUNE_SERVER_SERVICE_MALFORMED_REQUEST_HANDLER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/method_handler.h>

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "server/service/rpc_metrics.h"

namespace streamtune {
namespace malformed_request_internal {

// Reads the call's one request message into `request`. A request that does
// not parse is INVALID_ARGUMENT saying why (DiagnoseUnparsableMessage) and
// is recorded in `metrics` under `method_name`, since no handler sees it.
grpc::Status ReadRequest(grpc::ServerReader<grpc::ByteBuffer>* reader,
                         grpc::ServerContext* context,
                         google::protobuf::Message* request, RpcMetrics* metrics,
                         absl::string_view method_name);

// The index generated code gives `method` of `service` (declaration order).
// Aborts unless the method exists, is unary and takes `request`: a wrong
// registration must stop the server at start-up, not misroute calls.
int UnaryMethodIndex(absl::string_view service, absl::string_view method,
                     const google::protobuf::Descriptor& request);

}  // namespace malformed_request_internal

// Base of a sync service whose unary methods answer unparsable requests with
// INVALID_ARGUMENT. `Generated` is the outer class protoc generates for the
// service (e.g. v1::StreamTune); the derived constructor calls
// AnswerMalformedRequests once per method, and the derived class has
// `grpc::Status AdmitCaller(const grpc::ServerContext&, absl::string_view
// method) const`, run before the request is read.
template <class Generated>
class MalformedRequestAwareService : public Generated::Service {
 protected:
  // Routes `method_name` to `method` of the derived object through the
  // parsing above. `metrics` must outlive the service.
  template <class Self, class Request, class Response>
  void AnswerMalformedRequests(RpcMetrics* metrics, absl::string_view method_name,
                               grpc::Status (Self::*method)(grpc::ServerContext*,
                                                            const Request*,
                                                            Response*)) {
    const int index = malformed_request_internal::UnaryMethodIndex(
        Generated::service_full_name(), method_name, *Request::descriptor());
    this->MarkMethodStreamed(
        index,
        new grpc::internal::ClientStreamingHandler<Self, grpc::ByteBuffer, Response>(
            [method, metrics, name = std::string(method_name)](
                Self* self, grpc::ServerContext* context,
                grpc::ServerReader<grpc::ByteBuffer>* reader, Response* response) {
              // The caller first: one without a credential must not hold
              // this thread while it sends (or never sends) its request.
              const grpc::Status admitted = self->AdmitCaller(*context, name);
              if (!admitted.ok()) return admitted;
              Request request;
              const grpc::Status read = malformed_request_internal::ReadRequest(
                  reader, context, &request, metrics, name);
              if (!read.ok()) return read;
              return (self->*method)(context, &request, response);
            },
            static_cast<Self*>(this)));
  }
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_MALFORMED_REQUEST_HANDLER_H_
