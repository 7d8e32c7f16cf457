// ServerMetrics exports every family with the values its hooks report, and
// the Grafana dashboard (deploy/grafana/) queries exactly the families the
// server exports: a renamed metric fails here, not on an ops screen.
#include "server/service/server_metrics.h"

#include <prometheus/metric_family.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

using ::testing::IsSupersetOf;

// The metrics after one report through every hook.
class ServerMetricsTest : public ::testing::Test {
 protected:
  ServerMetricsTest() : models_(&store_, /*trainer=*/nullptr) {
    metrics_.rpc().RecordRpc("Recommend", grpc::Status::OK, absl::Milliseconds(3));
    metrics_.rpc().RecordRecommendation("ds2", true, false);
    metrics_.rpc().SetServing(true);
    metrics_.tuning().OnTraining("fine_tune", absl::Seconds(2), true);
    metrics_.tuning().OnInference(absl::Milliseconds(4), false);
    metrics_.store().OnTransaction("PutSnapshot", absl::Milliseconds(1));
    metrics_.store().OnDatabaseError("PutSnapshot", absl::UnavailableError("lost"));
    metrics_.store().OnConnectionWait(absl::Microseconds(5));
    metrics_.WatchModelCache(&models_);
    metrics_.WatchPool([] { return PoolStats{8, 3, 2}; });
  }

  // Family name -> family.
  std::map<std::string, prometheus::MetricFamily> Families() const {
    std::map<std::string, prometheus::MetricFamily> out;
    for (auto& family : metrics_.Collect()) out[family.name] = family;
    return out;
  }

  // Every name a query may use: counters and gauges by name, histograms by
  // their _bucket, _sum and _count series.
  std::set<std::string> QueryableNames() const {
    std::set<std::string> names;
    for (const auto& [name, family] : Families()) {
      if (family.type == prometheus::MetricType::Histogram) {
        for (const char* suffix : {"_bucket", "_sum", "_count"})
          names.insert(name + suffix);
      } else {
        names.insert(name);
      }
    }
    return names;
  }

  InMemoryStore store_;
  ModelRepository models_;
  ServerMetrics metrics_;
};

// The value of the sample of `family` with exactly `labels`.
double Value(const prometheus::MetricFamily& family,
             const std::map<std::string, std::string>& labels) {
  for (const auto& metric : family.metric) {
    std::map<std::string, std::string> got;
    for (const auto& label : metric.label) got[label.name] = label.value;
    if (got != labels) continue;
    switch (family.type) {
      case prometheus::MetricType::Counter:
        return metric.counter.value;
      case prometheus::MetricType::Gauge:
        return metric.gauge.value;
      case prometheus::MetricType::Histogram:
        return metric.histogram.sample_count;
      default:
        return -1;
    }
  }
  return -1;
}

TEST_F(ServerMetricsTest, EveryHookReachesItsFamily) {
  auto families = Families();
  EXPECT_EQ(Value(families["streamtune_rpcs_total"],
                  {{"method", "Recommend"}, {"code", "OK"}}),
            1);
  EXPECT_EQ(Value(families["streamtune_model_training_duration_seconds"],
                  {{"purpose", "fine_tune"}, {"outcome", "ok"}}),
            1);
  EXPECT_EQ(Value(families["streamtune_model_inference_duration_seconds"],
                  {{"outcome", "error"}}),
            1);
  EXPECT_EQ(Value(families["streamtune_postgres_transaction_duration_seconds"],
                  {{"operation", "PutSnapshot"}}),
            1);
  EXPECT_EQ(Value(families["streamtune_postgres_errors_total"],
                  {{"operation", "PutSnapshot"}, {"code", "UNAVAILABLE"}}),
            1);
  EXPECT_EQ(Value(families["streamtune_postgres_pool_wait_seconds"], {}), 1);
  EXPECT_EQ(
      Value(families["streamtune_postgres_pool_connections"], {{"state", "in_use"}}),
      2);
  EXPECT_EQ(
      Value(families["streamtune_postgres_pool_connections"], {{"state", "idle"}}), 1);
  EXPECT_EQ(Value(families["streamtune_postgres_pool_connections"], {{"state", "max"}}),
            8);
  EXPECT_EQ(
      Value(families["streamtune_model_cache_lookups_total"], {{"result", "hit"}}), 0);
  EXPECT_EQ(
      Value(families["streamtune_model_cache_lookups_total"], {{"result", "miss"}}), 0);
  EXPECT_EQ(Value(families["streamtune_serving"], {}), 1);
}

TEST_F(ServerMetricsTest, DashboardQueriesExactlyTheExportedFamilies) {
  std::ifstream file(STREAMTUNE_DASHBOARD);
  const nlohmann::json dashboard = nlohmann::json::parse(file, nullptr, false);
  ASSERT_FALSE(dashboard.is_discarded()) << STREAMTUNE_DASHBOARD << " is not JSON";
  EXPECT_EQ(dashboard.value("uid", ""), "streamtune-ops");
  std::set<std::string> queried;
  int queries = 0;
  const std::regex metric_name("streamtune_[a-z0-9_]+");
  for (const auto& panel : dashboard.at("panels")) {
    if (panel.at("type") == "row") continue;
    ASSERT_TRUE(panel.contains("targets")) << panel.value("title", "?");
    EXPECT_EQ(panel.at("datasource").at("uid"), "${datasource}")
        << panel.value("title", "?");
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr").get<std::string>();
      ++queries;
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric_name), end;
           it != end; ++it) {
        queried.insert(it->str());
      }
    }
  }
  EXPECT_GE(queries, 10);
  const std::set<std::string> exported = QueryableNames();
  // Every metric a panel queries is exported...
  for (const std::string& name : queried) {
    EXPECT_TRUE(exported.count(name) > 0)
        << "the dashboard queries " << name << ", which the server does not export";
  }
  // ...and every exported family has a panel.
  for (const auto& [name, family] : Families()) {
    bool shown = false;
    for (const std::string& q : queried) shown |= q.rfind(name, 0) == 0;
    EXPECT_TRUE(shown) << name << " is exported but on no dashboard panel";
  }
}

}  // namespace
}  // namespace streamtune
