#include "server/service/server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <utility>

#include "server/service/sampled_metrics.h"

namespace streamtune {
namespace {

// Model work: fine-tuning takes up to minutes, inference milliseconds.
const prometheus::Histogram::BucketBoundaries kTrainingBuckets = {
    0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
const prometheus::Histogram::BucketBoundaries kFastBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};

const char* Outcome(bool ok) { return ok ? "ok" : "error"; }

}  // namespace

class ServerMetrics::Tuning : public TuningObserver {
 public:
  explicit Tuning(prometheus::Registry& registry)
      : training_(prometheus::BuildHistogram()
                      .Name("streamtune_model_training_duration_seconds")
                      .Help("Duration of one model training run by purpose "
                            "(fine_tune: a job's online fine-tuning) and outcome")
                      .Register(registry)),
        inference_(prometheus::BuildHistogram()
                       .Name("streamtune_model_inference_duration_seconds")
                       .Help("Duration of one GNN inference (encoding one "
                             "snapshot) by outcome")
                       .Register(registry)) {}

  void OnTraining(absl::string_view purpose, absl::Duration elapsed, bool ok) override {
    training_
        .Add({{"purpose", std::string(purpose)}, {"outcome", Outcome(ok)}},
             kTrainingBuckets)
        .Observe(absl::ToDoubleSeconds(elapsed));
  }
  void OnInference(absl::Duration elapsed, bool ok) override {
    inference_.Add({{"outcome", Outcome(ok)}}, kFastBuckets)
        .Observe(absl::ToDoubleSeconds(elapsed));
  }

 private:
  prometheus::Family<prometheus::Histogram>& training_;
  prometheus::Family<prometheus::Histogram>& inference_;
};

class ServerMetrics::Store : public StoreObserver {
 public:
  explicit Store(prometheus::Registry& registry)
      : transactions_(prometheus::BuildHistogram()
                          .Name("streamtune_postgres_transaction_duration_seconds")
                          .Help("PostgreSQL transaction latency by store operation, "
                                "connection wait included")
                          .Register(registry)),
        errors_(prometheus::BuildCounter()
                    .Name("streamtune_postgres_errors_total")
                    .Help("PostgreSQL failures (no free connection, cannot "
                          "connect, lost connection, SQL error) by store operation "
                          "and status code, also those a reconnect-retry hid")
                    .Register(registry)),
        wait_(prometheus::BuildHistogram()
                  .Name("streamtune_postgres_pool_wait_seconds")
                  .Help("Time spent waiting for a pooled PostgreSQL connection")
                  .Register(registry)
                  .Add({}, kFastBuckets)) {}

  void OnTransaction(absl::string_view operation, absl::Duration elapsed) override {
    transactions_.Add({{"operation", std::string(operation)}}, kFastBuckets)
        .Observe(absl::ToDoubleSeconds(elapsed));
  }
  void OnDatabaseError(absl::string_view operation,
                       const absl::Status& error) override {
    errors_
        .Add({{"operation", std::string(operation)},
              {"code", absl::StatusCodeToString(error.code())}})
        .Increment();
  }
  void OnConnectionWait(absl::Duration wait) override {
    wait_.Observe(absl::ToDoubleSeconds(wait));
  }

 private:
  prometheus::Family<prometheus::Histogram>& transactions_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Histogram& wait_;
};

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      sampled_(std::make_shared<SampledMetrics>()),
      rpc_(std::make_unique<RpcMetrics>(registry_.get())),
      tuning_(std::make_unique<Tuning>(*registry_)),
      store_(std::make_unique<Store>(*registry_)) {}

ServerMetrics::~ServerMetrics() = default;

TuningObserver& ServerMetrics::tuning() { return *tuning_; }
StoreObserver& ServerMetrics::store() { return *store_; }

void ServerMetrics::WatchModelCache(const ModelRepository* models) {
  sampled_->AddCounter(
      "streamtune_model_cache_lookups_total",
      "Loaded-model cache lookups by result (hit, or miss: loaded from PostgreSQL)",
      {{{{"result", "hit"}},
        [models] { return static_cast<double>(models->cache_hits()); }},
       {{{"result", "miss"}},
        [models] { return static_cast<double>(models->cache_misses()); }}});
  sampled_->AddGauge("streamtune_model_cache_models",
                     "Loaded model versions held in the cache (its capacity: max)",
                     {{{}, [models] { return static_cast<double>(models->cached()); }},
                      {{{"bound", "max"}},
                       [models] { return static_cast<double>(models->capacity()); }}});
}

void ServerMetrics::WatchPool(std::function<PoolStats()> stats) {
  sampled_->AddGauge("streamtune_postgres_pool_connections",
                     "PostgreSQL connections of the pool by state (in_use, idle) "
                     "and its size (the most it opens)",
                     {{{{"state", "in_use"}}, [stats] { return stats().in_use; }},
                      {{{"state", "idle"}},
                       [stats] {
                         const PoolStats s = stats();
                         return s.open - s.in_use;
                       }},
                      {{{"state", "max"}}, [stats] { return stats().size; }}});
}

std::vector<std::shared_ptr<prometheus::Collectable>> ServerMetrics::collectables()
    const {
  return {registry_, sampled_};
}

std::vector<prometheus::MetricFamily> ServerMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> all = registry_->Collect();
  for (auto& family : sampled_->Collect()) all.push_back(std::move(family));
  return all;
}

}  // namespace streamtune
