#include "client/agent/service_decider.h"

#include "client/fake_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::agent {
namespace {

using ::testing::ElementsAre;

v1::Snapshot TwoOperators() {
  v1::Snapshot s;
  s.set_job_id("job");
  s.set_snapshot_id("t60");
  s.add_operators()->set_id("a");
  s.add_operators()->set_id("b");
  return s;
}

// An answer listing the operators in the opposite order of the snapshot.
v1::Recommendation Answer(bool apply) {
  v1::Recommendation r;
  r.set_apply(apply);
  auto* b = r.add_operators();
  b->set_operator_id("b");
  b->set_recommended_parallelism(5);
  auto* a = r.add_operators();
  a->set_operator_id("a");
  a->set_recommended_parallelism(2);
  return r;
}

TEST(ServiceDecider, AlignsAnAppliedAnswerWithTheSnapshotOrder) {
  FakeStreamTuneClient client;
  client.recommend = [](const v1::SnapshotRequest&) { return Answer(true); };
  int observed = 0;
  Decider decide = MakeServiceDecider(
      &client,
      {"ds2", [&](const v1::Snapshot&, const v1::Recommendation&) { ++observed; }});
  auto answer = decide(TwoOperators());
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_TRUE(answer->has_value());
  EXPECT_THAT(**answer, ElementsAre(2, 5));
  EXPECT_EQ(observed, 1);
  ASSERT_EQ(client.recommend_requests.size(), 1u);
  EXPECT_EQ(client.recommend_requests[0].policy(), "ds2");
  EXPECT_EQ(client.recommend_requests[0].snapshot().snapshot_id(), "t60");
}

TEST(ServiceDecider, KeepsTheConfigurationWhenTheServiceSaysNotToApply) {
  FakeStreamTuneClient client;
  client.recommend = [](const v1::SnapshotRequest&) { return Answer(false); };
  auto answer = MakeServiceDecider(&client, {})(TwoOperators());
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->has_value());
}

TEST(ServiceDecider, RejectsAnAnswerMissingAnOperator) {
  FakeStreamTuneClient client;
  client.recommend = [](const v1::SnapshotRequest&) {
    v1::Recommendation r = Answer(true);
    r.mutable_operators()->RemoveLast();
    return r;
  };
  auto answer = MakeServiceDecider(&client, {})(TwoOperators());
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInternal);
}

TEST(ServiceDecider, PassesServiceErrorsThrough) {
  FakeStreamTuneClient client;
  client.recommend =
      [](const v1::SnapshotRequest&) -> absl::StatusOr<v1::Recommendation> {
    return absl::InvalidArgumentError("snapshot.job_id: required");
  };
  auto answer = MakeServiceDecider(&client, {})(TwoOperators());
  EXPECT_EQ(answer.status().message(), "snapshot.job_id: required");
}

}  // namespace
}  // namespace streamtune::agent
