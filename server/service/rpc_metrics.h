// Prometheus metrics of the RPC layer: one family per metric in one registry
// (passed in, never global). Thread-safe.
#ifndef STREAMTUNE_SERVER_SERVICE_RPC_METRICS_H_
#define STREAMTUNE_SERVER_SERVICE_RPC_METRICS_H_

#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
class Gauge;
}  // namespace prometheus

namespace streamtune {

class RpcMetrics {
 public:
  // `registry` must outlive this object.
  explicit RpcMetrics(prometheus::Registry* registry);

  // One finished RPC: counts it by method and status code and observes its
  // latency.
  void RecordRpc(absl::string_view method, const grpc::Status& status,
                 absl::Duration latency);
  // One answered Recommend: counts it by policy and whether to apply.
  void RecordRecommendation(absl::string_view policy, bool apply, bool fallback);
  // 1 while the server reports SERVING.
  void SetServing(bool serving);

 private:
  prometheus::Family<prometheus::Counter>& rpcs_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& recommendations_;
  prometheus::Gauge& serving_;
};

// RAII timer: records the RPC when it goes out of scope.
class ScopedRpc {
 public:
  ScopedRpc(RpcMetrics* metrics, absl::string_view method)
      : metrics_(metrics), method_(method), start_(absl::Now()) {}
  ScopedRpc(const ScopedRpc&) = delete;
  ScopedRpc& operator=(const ScopedRpc&) = delete;
  // Returns `status` after noting it as the RPC's outcome.
  grpc::Status Finish(grpc::Status status) {
    status_ = status;
    return status;
  }
  ~ScopedRpc() { metrics_->RecordRpc(method_, status_, absl::Now() - start_); }

 private:
  RpcMetrics* metrics_;
  std::string method_;
  absl::Time start_;
  grpc::Status status_ = grpc::Status(grpc::StatusCode::UNKNOWN, "unfinished");
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_RPC_METRICS_H_
