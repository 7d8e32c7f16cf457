#include "server/service/rpc_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"

namespace streamtune {
namespace {

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index <= 16 ? kNames[index] : "UNKNOWN";
}

}  // namespace

RpcMetrics::RpcMetrics(prometheus::Registry* registry)
    : rpcs_(prometheus::BuildCounter()
                .Name("streamtune_rpcs_total")
                .Help("Finished RPCs by method and gRPC status code")
                .Register(*registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("streamtune_rpc_duration_seconds")
                   .Help("Server-side RPC latency by method")
                   .Register(*registry)),
      recommendations_(prometheus::BuildCounter()
                           .Name("streamtune_recommendations_total")
                           .Help("Recommendations answered, by policy, "
                                 "whether to apply and whether a fallback answered")
                           .Register(*registry)),
      serving_(prometheus::BuildGauge()
                   .Name("streamtune_serving")
                   .Help("1 while the health service reports SERVING")
                   .Register(*registry)
                   .Add({})) {}

void RpcMetrics::RecordRpc(absl::string_view method, const grpc::Status& status,
                           absl::Duration latency) {
  const std::string method_name(method);
  rpcs_.Add({{"method", method_name}, {"code", CodeName(status.error_code())}})
      .Increment();
  // Buckets from 0.5 ms to ~4 s.
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 4};
  latency_.Add({{"method", method_name}}, kBuckets)
      .Observe(absl::ToDoubleSeconds(latency));
}

void RpcMetrics::RecordRecommendation(absl::string_view policy, bool apply,
                                      bool fallback) {
  recommendations_
      .Add({{"policy", std::string(policy)},
            {"apply", apply ? "true" : "false"},
            {"fallback", fallback ? "true" : "false"}})
      .Increment();
}

void RpcMetrics::SetServing(bool serving) { serving_.Set(serving ? 1 : 0); }

}  // namespace streamtune
