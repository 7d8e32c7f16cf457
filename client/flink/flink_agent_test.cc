#include "client/flink/flink_agent.h"

#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "client/fake_client.h"
#include "client/flink/fake_flink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::flink {
namespace {

// The value of `family`'s sample whose labels include `label`=`value`;
// -1 when there is none.
double Sample(prometheus::Registry& registry, const std::string& family,
              const std::string& label, const std::string& value) {
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == label && l.value == value) {
          return f.type == prometheus::MetricType::Counter ? m.counter.value
                                                           : m.gauge.value;
        }
      }
    }
  }
  return -1;
}

class FlinkAgentTest : public ::testing::Test {
 protected:
  FlinkAgentTest() : metrics_(&registry_) {
    // Every job poll is 10 s later; the job finishes after `polls_` polls.
    flink_.intercept =
        [this](
            const std::string& request) -> std::optional<absl::StatusOr<HttpResponse>> {
      if (request == std::string("GET /jobs/") + FakeFlink::kJobId) {
        flink_.Advance(10);
        if (++job_polls_ >= polls_) flink_.job_state = "FINISHED";
      }
      return std::nullopt;
    };
    service_.recommend = [](const v1::SnapshotRequest& request) {
      v1::Recommendation answer;
      answer.set_policy("ds2");
      answer.set_apply(true);
      for (const auto& op : request.snapshot().operators()) {
        auto* rec = answer.add_operators();
        rec->set_operator_id(op.id());
        rec->set_current_parallelism(op.parallelism());
        rec->set_recommended_parallelism(
            op.id() == FakeFlink::kAggregate ? 3 : op.parallelism());
      }
      return answer;
    };
    options_.flink_rest = FakeFlink::kBaseUrl;
    options_.job = FakeFlink::kJobId;
    options_.decision_interval = absl::Milliseconds(1);
    options_.warmup = absl::ZeroDuration();
    options_.metrics_settle = absl::Milliseconds(1);
  }

  prometheus::Registry registry_;
  FlinkAgentMetrics metrics_;
  FakeFlink flink_;
  FakeStreamTuneClient service_;
  FlinkAgentOptions options_;
  int job_polls_ = 0;
  int polls_ = 14;  // Two job polls per decision point.
};

TEST_F(FlinkAgentTest, DryRunRecommendsExportsAndAppliesNothing) {
  options_.dry_run = true;
  FlinkAgent agent(options_, &flink_, &service_, &metrics_);
  ASSERT_TRUE(agent.Run().ok());
  EXPECT_GE(service_.recommend_requests.size(), 3u);
  EXPECT_TRUE(flink_.accepted_puts.empty());
  EXPECT_EQ(flink_.vertex(FakeFlink::kAggregate).parallelism, 1);
  EXPECT_EQ(Sample(registry_, "streamtune_flink_decisions_total", "outcome", "dry_run"),
            service_.recommend_requests.size());
  EXPECT_EQ(Sample(registry_, "streamtune_flink_vertex_recommended_parallelism", "name",
                   "aggregate"),
            3);
  EXPECT_EQ(
      Sample(registry_, "streamtune_flink_vertex_parallelism", "name", "aggregate"), 1);
  EXPECT_EQ(service_.recommend_requests[0].snapshot().job_id(),
            std::string("flink/") + FakeFlink::kJobId);
}

TEST_F(FlinkAgentTest, AppliesWhatTheServiceRecommends) {
  polls_ = 24;
  FlinkAgent agent(options_, &flink_, &service_, &metrics_);
  ASSERT_TRUE(agent.Run().ok());
  ASSERT_EQ(flink_.accepted_puts.size(), 1u);
  EXPECT_EQ(flink_.vertex(FakeFlink::kAggregate).parallelism, 3);
  EXPECT_EQ(Sample(registry_, "streamtune_flink_decisions_total", "outcome", "applied"),
            1);
  // Later answers match the running parallelism: no second reconfiguration.
  EXPECT_GE(
      Sample(registry_, "streamtune_flink_decisions_total", "outcome", "unchanged"), 1);
}

TEST_F(FlinkAgentTest, ServiceErrorsAreCountedAndTheAgentGoesOn) {
  service_.recommend =
      [](const v1::SnapshotRequest&) -> absl::StatusOr<v1::Recommendation> {
    return absl::UnavailableError("streamtuned down");
  };
  FlinkAgent agent(options_, &flink_, &service_, &metrics_);
  ASSERT_TRUE(agent.Run().ok());
  EXPECT_GE(service_.recommend_requests.size(), 3u);
  EXPECT_EQ(Sample(registry_, "streamtune_flink_errors_total", "step", "decide"),
            service_.recommend_requests.size());
  EXPECT_TRUE(flink_.accepted_puts.empty());
}

}  // namespace
}  // namespace streamtune::flink
