// ServerMetrics: every Prometheus family streamtuned exports, in one registry
// (Triton style: one registry, one family per metric; nothing global). The
// RPC layer records through rpc(); the tuning core and the PostgreSQL store
// report through the observer interfaces they define (tuning(), store()), so
// neither includes Prometheus; values owned elsewhere (the model cache's
// counters, the pool's occupancy) are read at scrape time.
#ifndef STREAMTUNE_SERVER_SERVICE_SERVER_METRICS_H_
#define STREAMTUNE_SERVER_SERVICE_SERVER_METRICS_H_

#include <functional>
#include <memory>
#include <vector>

#include "server/core/learning/model_repository.h"
#include "server/core/tuning_observer.h"
#include "server/service/rpc_metrics.h"
#include "storage/store_observer.h"

namespace prometheus {
class Collectable;
struct MetricFamily;
}  // namespace prometheus

namespace streamtune {

class SampledMetrics;

// Thread-safe, except that the Watch* calls must happen before the first
// scrape (before the collectables are registered with an exposer).
class ServerMetrics {
 public:
  ServerMetrics();
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  RpcMetrics& rpc() { return *rpc_; }
  TuningObserver& tuning();
  StoreObserver& store();

  // Exports the repository's cache hits and misses. `models` must outlive
  // every scrape.
  void WatchModelCache(const ModelRepository* models);
  // Exports the connection pool's occupancy, read through `stats`.
  void WatchPool(std::function<PoolStats()> stats);

  // What an exposer serves (register each one).
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables() const;
  // Everything the collectables hold right now (tests).
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  class Tuning;
  class Store;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<SampledMetrics> sampled_;
  std::unique_ptr<RpcMetrics> rpc_;
  std::unique_ptr<Tuning> tuning_;
  std::unique_ptr<Store> store_;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_SERVICE_SERVER_METRICS_H_
