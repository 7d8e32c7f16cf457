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
#include <utility>
#include <vector>

namespace streamtune::testing {

// Calls `method` ("/package.Service/Method") with `bytes` as the request,
// with a 30 s deadline and every (key, value) of `metadata`; returns the
// call's status.
inline grpc::Status RawUnaryCallWithMetadata(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& bytes,
    const std::vector<std::pair<std::string, std::string>>& metadata) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

// As above, with `metadata` (key, value) if its key is not empty.
inline grpc::Status RawUnaryCall(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& bytes,
    const std::pair<std::string, std::string>& metadata = {}) {
  std::vector<std::pair<std::string, std::string>> all;
  if (!metadata.first.empty()) all.push_back(metadata);
  return RawUnaryCallWithMetadata(channel, method, bytes, all);
}

}  // namespace streamtune::testing

#endif  // STREAMTUNE_TESTS_RAW_UNARY_CALL_H_
