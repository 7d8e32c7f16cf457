// Sends arbitrary bytes as the request of a unary RPC, for tests of what the
// server answers to requests no generated stub would send (bytes that are not
// protobuf, strings with invalid UTF-8).
#ifndef STREAMTUNE_TESTS_RAW_UNARY_CALL_H_
#define STREAMTUNE_TESTS_RAW_UNARY_CALL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

namespace streamtune::testing {

// Calls `method` ("/package.Service/Method") with `bytes` as the request,
// with a 30 s deadline and `metadata` (key, value) if its key is not empty;
// returns the call's status.
inline grpc::Status RawUnaryCall(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& bytes,
    const std::pair<std::string, std::string>& metadata = {}) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!metadata.first.empty()) context.AddMetadata(metadata.first, metadata.second);
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

}  // namespace streamtune::testing

#endif  // STREAMTUNE_TESTS_RAW_UNARY_CALL_H_
