#include "storage/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/fingerprint.h"
#include "google/protobuf/util/message_differencer.h"

namespace streamtune {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::Timestamp;

Timestamp At(int64_t seconds, int32_t nanos = 0) {
  Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

// `recommendation` as a store returns it for `snapshot`.
v1::Recommendation AsStored(v1::Recommendation recommendation,
                            const v1::StoredSnapshot& snapshot) {
  recommendation.set_job_id(snapshot.snapshot().job_id());
  recommendation.set_snapshot_id(snapshot.snapshot().snapshot_id());
  Timestamp* t = recommendation.mutable_created_at();
  t->set_nanos(t->nanos() / 1000 * 1000);
  return recommendation;
}

}  // namespace

PageRequest PageOf(int size, const std::string& token) {
  PageRequest page;
  page.page_size = size;
  page.page_token = token;
  return page;
}

std::string RandomTenant() {
  static std::atomic<uint64_t> counter{0};
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device() ^
                      absl::GetCurrentTimeNanos());
  return absl::StrFormat("t-%016x-%d", rng(), counter++);
}

::testing::AssertionResult ProtoEq(const Message& actual, const Message& expected) {
  if (google::protobuf::util::MessageDifferencer::Equals(actual, expected)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\n  actual:   " << actual.ShortDebugString()
         << "\n  expected: " << expected.ShortDebugString();
}

// A three-operator job whose numbers exercise the JSON round trip: fractions,
// tiny and huge doubles, optional fields set to zero next to unset ones.
v1::StoredSnapshot TestSnapshot(const std::string& job_id,
                                const std::string& snapshot_id,
                                int64_t observed_seconds, int parallelism) {
  v1::StoredSnapshot stored;
  v1::Snapshot* s = stored.mutable_snapshot();
  s->set_job_id(job_id);
  s->set_snapshot_id(snapshot_id);
  s->set_engine(v1::ENGINE_FLINK);
  s->set_semantics(v1::METRIC_SEMANTICS_FLINK);
  *s->mutable_observed_at() = At(observed_seconds, 123456789);
  s->set_window_s(10.0);
  s->set_seconds_since_restart(0.1 + observed_seconds);
  const char* ids[] = {"source", "map", "sink"};
  const v1::OperatorKind kinds[] = {v1::OPERATOR_KIND_SOURCE, v1::OPERATOR_KIND_MAP,
                                    v1::OPERATOR_KIND_SINK};
  for (int i = 0; i < 3; ++i) {
    v1::Operator* op = s->add_operators();
    op->set_id(ids[i]);
    op->set_name(absl::StrCat("Operator \"", ids[i], "\" ünïcode"));
    op->set_kind(kinds[i]);
    op->set_parallelism(parallelism);
    op->set_max_parallelism(128);
    v1::OperatorMetrics* m = op->mutable_metrics();
    m->set_records_in_per_s(12345.678901234567 * (i + 1));
    m->set_busy_ms_per_s_max(0.0);
    m->set_idle_ms_per_s_avg(1e-7);
    if (i == 0) m->set_pending_records(1.7976931348623157e308);
  }
  v1::Edge* e1 = s->add_edges();
  e1->set_from("source");
  e1->set_to("map");
  e1->set_partitioning(v1::PARTITIONING_HASH);
  e1->set_fraction(1.0 / 3.0);
  v1::Edge* e2 = s->add_edges();
  e2->set_from("map");
  e2->set_to("sink");
  v1::OperatorLabel* label = stored.add_labels();
  label->set_operator_id("map");
  label->set_label(v1::BOTTLENECK_LABEL_BOTTLENECK);
  return stored;
}

v1::Recommendation TestRecommendation(const std::string& policy, int recommended) {
  v1::Recommendation r;
  r.set_apply(true);
  r.set_policy(policy);
  r.set_reason(absl::StrCat("scale to ", recommended));
  v1::OperatorRecommendation* op = r.add_operators();
  op->set_operator_id("map");
  op->set_current_parallelism(2);
  op->set_recommended_parallelism(recommended);
  op->set_bottleneck_probability_current(0.875);
  r.set_current_total_parallelism(6);
  r.set_recommended_total_parallelism(4 + recommended);
  *r.mutable_created_at() = At(1700000000, 987654321);
  return r;
}

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

void StoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr) << "the store factory failed";
  tenant_ = RandomTenant();
}

void IsolatedStoreTest::SetUp() {
  const StoreFactory& factory = GetParam();
  store_ = factory.make_isolated ? factory.make_isolated() : factory.make();
  ASSERT_NE(store_, nullptr) << "the isolated store factory failed";
  tenant_ = RandomTenant();
}

TEST_P(StoreConformanceTest, PingSucceeds) { EXPECT_TRUE(store_->Ping().ok()); }

TEST_P(StoreConformanceTest, PutSnapshotAssignsSequencesFromOne) {
  for (int i = 1; i <= 5; ++i) {
    auto put = store_->PutSnapshot(tenant_,
                                   TestSnapshot("job", absl::StrCat("s", i), 100 + i));
    ASSERT_TRUE(put.ok()) << put.status();
    EXPECT_TRUE(put->stored);
    EXPECT_EQ(put->sequence, i);
  }
}

TEST_P(StoreConformanceTest, FindSnapshotReturnsWhatWasStored) {
  v1::StoredSnapshot in = TestSnapshot("job/a:b.c-1", "s1", 100);
  in.set_sequence(42);  // assigned by the store; ignored on input
  const absl::Time before = absl::Now() - absl::Minutes(5);
  ASSERT_TRUE(store_->PutSnapshot(tenant_, in).ok());
  auto found = store_->FindSnapshot(tenant_, "job/a:b.c-1", "s1");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  const v1::StoredSnapshot& out = **found;
  EXPECT_TRUE(ProtoEq(out.snapshot(), in.snapshot()));
  ASSERT_EQ(out.labels_size(), 1);
  EXPECT_TRUE(ProtoEq(out.labels(0), in.labels(0)));
  EXPECT_EQ(out.sequence(), 1);
  ASSERT_TRUE(out.has_received_at());
  const absl::Time received = absl::FromUnixSeconds(out.received_at().seconds());
  EXPECT_GT(received, before);
  EXPECT_LT(received, absl::Now() + absl::Minutes(5));
  EXPECT_EQ(out.received_at().nanos() % 1000, 0);
}

TEST_P(StoreConformanceTest, PutSnapshotIsIdempotentForIdenticalContent) {
  v1::StoredSnapshot s = TestSnapshot("job", "s1", 100);
  ASSERT_TRUE(store_->PutSnapshot(tenant_, s).ok());
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("job", "s2", 101)).ok());
  auto again = store_->PutSnapshot(tenant_, s);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->stored);
  EXPECT_EQ(again->sequence, 1);
  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->snapshot_count(), 2);
}

TEST_P(StoreConformanceTest, PutSnapshotRejectsOtherContentUnderUsedId) {
  v1::StoredSnapshot original = TestSnapshot("job", "s1", 100, 2);
  ASSERT_TRUE(store_->PutSnapshot(tenant_, original).ok());
  auto before = store_->GetJob(tenant_, "job");
  auto put = store_->PutSnapshot(tenant_, TestSnapshot("job", "s1", 100, 3));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kAlreadyExists);
  auto found = store_->FindSnapshot(tenant_, "job", "s1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE(ProtoEq((*found)->snapshot(), original.snapshot()));
  auto after = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_TRUE(ProtoEq(*after, *before));
}

TEST_P(StoreConformanceTest, GetJobSummarisesHistory) {
  v1::StoredSnapshot first = TestSnapshot("job", "s1", 100);
  v1::StoredSnapshot earlier = TestSnapshot("job", "s2", 50);
  v1::StoredSnapshot latest = TestSnapshot("job", "s3", 200);
  latest.mutable_snapshot()->set_engine(v1::ENGINE_SIMULATED);
  latest.mutable_snapshot()->mutable_edges(1)->set_partitioning(
      v1::PARTITIONING_BROADCAST);  // a new topology
  ASSERT_TRUE(store_->PutSnapshot(tenant_, first).ok());
  ASSERT_TRUE(
      store_
          ->PutSnapshotAndRecommendation(tenant_, earlier, TestRecommendation("ds2", 3))
          .ok());
  ASSERT_TRUE(store_
                  ->PutSnapshotAndRecommendation(tenant_, latest,
                                                 TestRecommendation("streamtune", 4))
                  .ok());

  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok()) << job.status();
  v1::Job expected;
  expected.set_job_id("job");
  expected.set_engine(v1::ENGINE_SIMULATED);
  expected.set_dag_fingerprint(DagFingerprint(latest.snapshot()));
  *expected.mutable_first_observed_at() = At(50, 123456000);
  *expected.mutable_last_observed_at() = At(200, 123456000);
  expected.set_snapshot_count(3);
  expected.set_recommendation_count(2);
  expected.set_last_policy("streamtune");
  EXPECT_TRUE(ProtoEq(*job, expected));
  EXPECT_NE(job->dag_fingerprint(), DagFingerprint(first.snapshot()));
}

TEST_P(StoreConformanceTest, UnknownKeysAreNotFoundOrEmpty) {
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("job", "s1", 1)).ok());
  EXPECT_EQ(store_->GetJob(tenant_, "nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListSnapshots(tenant_, "nope", PageOf(10)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListRecommendations(tenant_, "nope", PageOf(10)).status().code(),
            absl::StatusCode::kNotFound);
  auto snapshot = store_->FindSnapshot(tenant_, "job", "nope");
  ASSERT_TRUE(snapshot.ok());
  EXPECT_FALSE(snapshot->has_value());
  auto recommendation = store_->FindRecommendation(tenant_, "job", "s1");
  ASSERT_TRUE(recommendation.ok());
  EXPECT_FALSE(recommendation->has_value());
  auto recent = store_->RecentSnapshots(tenant_, "nope", 5);
  ASSERT_TRUE(recent.ok());
  EXPECT_TRUE(recent->empty());
  auto recent_recs = store_->RecentRecommendations(tenant_, "job", 5);
  ASSERT_TRUE(recent_recs.ok());
  EXPECT_TRUE(recent_recs->empty());
  auto jobs = store_->ListJobs(RandomTenant(), PageOf(10));
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->items.empty());
  EXPECT_TRUE(jobs->next_page_token.empty());
}

TEST_P(StoreConformanceTest, PutSnapshotAndRecommendationStoresBoth) {
  v1::StoredSnapshot s = TestSnapshot("job", "s1", 100);
  v1::Recommendation r = TestRecommendation("ds2", 5);
  auto out = store_->PutSnapshotAndRecommendation(tenant_, s, r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(ProtoEq(*out, AsStored(r, s)));
  auto found = store_->FindRecommendation(tenant_, "job", "s1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE(ProtoEq(**found, AsStored(r, s)));
  auto snapshot = store_->FindSnapshot(tenant_, "job", "s1");
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->sequence(), 1);
}

TEST_P(StoreConformanceTest, PutSnapshotAndRecommendationSetsMissingTime) {
  v1::Recommendation r = TestRecommendation("ds2", 5);
  r.clear_created_at();
  auto out =
      store_->PutSnapshotAndRecommendation(tenant_, TestSnapshot("job", "s1", 100), r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->has_created_at());
  EXPECT_GT(out->created_at().seconds(), 1600000000);
  auto found = store_->FindRecommendation(tenant_, "job", "s1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE(ProtoEq(**found, *out));
}

TEST_P(StoreConformanceTest, PutSnapshotAndRecommendationRejectsOtherIds) {
  v1::Recommendation r = TestRecommendation("ds2", 5);
  r.set_snapshot_id("other");
  auto out =
      store_->PutSnapshotAndRecommendation(tenant_, TestSnapshot("job", "s1", 100), r);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetJob(tenant_, "job").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, RetriedRecommendationReturnsTheFirstAnswer) {
  v1::StoredSnapshot s = TestSnapshot("job", "s1", 100);
  v1::Recommendation first = TestRecommendation("ds2", 5);
  ASSERT_TRUE(store_->PutSnapshotAndRecommendation(tenant_, s, first).ok());
  auto again = store_->PutSnapshotAndRecommendation(
      tenant_, s, TestRecommendation("streamtune", 7));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(ProtoEq(*again, AsStored(first, s)));
  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->snapshot_count(), 1);
  EXPECT_EQ(job->recommendation_count(), 1);
  EXPECT_EQ(job->last_policy(), "ds2");
}

TEST_P(StoreConformanceTest, RecommendsForSnapshotStoredEarlier) {
  v1::StoredSnapshot s = TestSnapshot("job", "s1", 100);
  ASSERT_TRUE(store_->PutSnapshot(tenant_, s).ok());
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("job", "s2", 101)).ok());
  v1::Recommendation r = TestRecommendation("ds2", 5);
  auto out = store_->PutSnapshotAndRecommendation(tenant_, s, r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(ProtoEq(*out, AsStored(r, s)));
  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->snapshot_count(), 2);
  EXPECT_EQ(job->recommendation_count(), 1);
  auto found = store_->FindSnapshot(tenant_, "job", "s1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->sequence(), 1);
}

TEST_P(StoreConformanceTest, RecommendationForOtherContentStoresNothing) {
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("job", "s1", 100, 2)).ok());
  auto out = store_->PutSnapshotAndRecommendation(
      tenant_, TestSnapshot("job", "s1", 100, 3), TestRecommendation("ds2", 5));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kAlreadyExists);
  auto found = store_->FindRecommendation(tenant_, "job", "s1");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->recommendation_count(), 0);
  EXPECT_EQ(job->last_policy(), "");
}

TEST_P(StoreConformanceTest, RecentReturnsNewestOldestFirst) {
  for (int i = 1; i <= 5; ++i) {
    v1::StoredSnapshot s = TestSnapshot("job", absl::StrCat("s", i), 100 + i);
    if (i % 2 == 0) {
      ASSERT_TRUE(store_->PutSnapshot(tenant_, s).ok());
    } else {
      ASSERT_TRUE(
          store_->PutSnapshotAndRecommendation(tenant_, s, TestRecommendation("ds2", i))
              .ok());
    }
  }
  auto recent = store_->RecentSnapshots(tenant_, "job", 3);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*recent)[i].sequence(), 3 + i);
    EXPECT_EQ((*recent)[i].snapshot().snapshot_id(), absl::StrCat("s", 3 + i));
  }
  auto all = store_->RecentSnapshots(tenant_, "job", 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  auto none = store_->RecentSnapshots(tenant_, "job", 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto recs = store_->RecentRecommendations(tenant_, "job", 2);
  ASSERT_TRUE(recs.ok()) << recs.status();
  ASSERT_EQ(recs->size(), 2u);  // of s3 and s5
  EXPECT_EQ((*recs)[0].snapshot_id(), "s3");
  EXPECT_EQ((*recs)[1].snapshot_id(), "s5");
  auto all_recs = store_->RecentRecommendations(tenant_, "job", 10);
  ASSERT_TRUE(all_recs.ok());
  EXPECT_EQ(all_recs->size(), 3u);
}

TEST_P(StoreConformanceTest, ListJobsPaginatesInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 24; i >= 0; --i) {
    std::string id = absl::StrFormat("job-%02d", i);
    ids.push_back(id);
    ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot(id, "s1", i)).ok());
  }
  std::sort(ids.begin(), ids.end());
  for (int page_size : {1, 10, 25, 1000}) {
    auto jobs = ListAll<v1::Job>(page_size, [&](const PageRequest& page) {
      return store_->ListJobs(tenant_, page);
    });
    std::vector<std::string> got;
    for (const auto& job : jobs) got.push_back(job.job_id());
    EXPECT_EQ(got, ids) << "page_size " << page_size;
  }
  auto exact = store_->ListJobs(tenant_, PageOf(25));
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->next_page_token.empty()) << "no empty last page";
}

TEST_P(StoreConformanceTest, ListSnapshotsPaginatesOldestFirst) {
  for (int i = 1; i <= 23; ++i) {
    v1::StoredSnapshot s = TestSnapshot("job", absl::StrCat("s", i), i);
    ASSERT_TRUE(store_->PutSnapshot(tenant_, s).ok());
  }
  auto all = ListAll<v1::StoredSnapshot>(7, [&](const PageRequest& page) {
    return store_->ListSnapshots(tenant_, "job", page);
  });
  ASSERT_EQ(all.size(), 23u);
  for (int i = 0; i < 23; ++i) {
    EXPECT_EQ(all[i].sequence(), i + 1);
    EXPECT_EQ(all[i].snapshot().snapshot_id(), absl::StrCat("s", i + 1));
  }
}

TEST_P(StoreConformanceTest, ListRecommendationsPaginatesOldestFirst) {
  std::vector<std::string> expected;
  for (int i = 1; i <= 15; ++i) {
    std::string id = absl::StrCat("s", i);
    v1::StoredSnapshot s = TestSnapshot("job", id, i);
    if (i % 3 == 0) {  // some snapshots have no recommendation
      ASSERT_TRUE(store_->PutSnapshot(tenant_, s).ok());
      continue;
    }
    ASSERT_TRUE(
        store_->PutSnapshotAndRecommendation(tenant_, s, TestRecommendation("ds2", i))
            .ok());
    expected.push_back(id);
  }
  auto all = ListAll<v1::Recommendation>(4, [&](const PageRequest& page) {
    return store_->ListRecommendations(tenant_, "job", page);
  });
  std::vector<std::string> got;
  for (const auto& r : all) got.push_back(r.snapshot_id());
  EXPECT_EQ(got, expected);
}

namespace {

TimeRange Range(std::optional<int64_t> start_micros,
                std::optional<int64_t> end_micros) {
  TimeRange range;
  range.start_micros = start_micros;
  range.end_micros = end_micros;
  return range;
}

// Microseconds of TestSnapshot's observed_at for `seconds` (its nanos are
// 123456789, kept to the microsecond).
int64_t ObservedMicros(int64_t seconds) { return seconds * 1000000 + 123456; }

}  // namespace

TEST_P(StoreConformanceTest, ListJobsKeepsJobsObservedInTheTimeRange) {
  // "early" spans 50..60 s, "middle" 100..200 s, "late" is seen at 300 s.
  for (const auto& [job, at] :
       std::vector<std::pair<std::string, int64_t>>{{"early", 50},
                                                    {"early", 60},
                                                    {"middle", 100},
                                                    {"middle", 200},
                                                    {"late", 300}}) {
    ASSERT_TRUE(
        store_->PutSnapshot(tenant_, TestSnapshot(job, absl::StrCat("s", at), at))
            .ok());
  }
  auto ids = [&](const TimeRange& range) {
    std::vector<std::string> got;
    for (const v1::Job& job : ListAll<v1::Job>(1, [&](const PageRequest& page) {
           return store_->ListJobs(tenant_, page, range);
         })) {
      got.push_back(job.job_id());
    }
    return got;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(TimeRange()), (V{"early", "late", "middle"}));
  EXPECT_EQ(ids(Range(150'000'000, 250'000'000)), V{"middle"})
      << "overlap, not containment";
  EXPECT_EQ(ids(Range(250'000'000, std::nullopt)), V{"late"});
  EXPECT_EQ(ids(Range(std::nullopt, 100'000'000)), V{"early"});
  EXPECT_EQ(ids(Range(400'000'000, std::nullopt)), V{});
  // Bounds at microsecond precision: start inclusive, end exclusive.
  EXPECT_EQ(ids(Range(ObservedMicros(300), std::nullopt)), V{"late"});
  EXPECT_EQ(ids(Range(ObservedMicros(300) + 1, std::nullopt)), V{});
  EXPECT_EQ(ids(Range(std::nullopt, ObservedMicros(100))), V{"early"});
  EXPECT_EQ(ids(Range(std::nullopt, ObservedMicros(100) + 1)), (V{"early", "middle"}));
}

TEST_P(StoreConformanceTest, ListJobsPaginatesWithinATimeRange) {
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    const std::string id = absl::StrFormat("job-%02d", i);
    const int64_t at = i % 2 == 0 ? 1000 : 10;  // even jobs are recent
    if (i % 2 == 0) expected.push_back(id);
    ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot(id, "s1", at)).ok());
  }
  for (int page_size : {1, 3, 10}) {
    std::vector<std::string> got;
    for (const v1::Job& job : ListAll<v1::Job>(page_size, [&](const PageRequest& page) {
           return store_->ListJobs(tenant_, page, Range(500'000'000, std::nullopt));
         })) {
      got.push_back(job.job_id());
    }
    EXPECT_EQ(got, expected) << "page_size " << page_size;
  }
}

TEST_P(StoreConformanceTest, ListRecommendationsKeepsThoseCreatedInTheTimeRange) {
  // Recommendation i is created at 2000 + i seconds (and 5 µs).
  for (int i = 0; i < 12; ++i) {
    const std::string id = absl::StrCat("s", i);
    v1::Recommendation r = TestRecommendation("ds2", 3);
    *r.mutable_created_at() = At(2000 + i, 5000);
    ASSERT_TRUE(
        store_->PutSnapshotAndRecommendation(tenant_, TestSnapshot("job", id, i + 1), r)
            .ok());
  }
  auto ids = [&](const TimeRange& range, int page_size) {
    std::vector<std::string> got;
    for (const v1::Recommendation& r :
         ListAll<v1::Recommendation>(page_size, [&](const PageRequest& page) {
           return store_->ListRecommendations(tenant_, "job", page, range);
         })) {
      got.push_back(r.snapshot_id());
    }
    return got;
  };
  using V = std::vector<std::string>;
  const int64_t second = 1000000;
  EXPECT_EQ(ids(Range(2003 * second + 5, 2007 * second + 5), 2),
            (V{"s3", "s4", "s5", "s6"}));
  EXPECT_EQ(ids(Range(2003 * second + 6, 2007 * second + 6), 1),
            (V{"s4", "s5", "s6", "s7"}));
  EXPECT_EQ(ids(Range(2010 * second, std::nullopt), 5), (V{"s10", "s11"}));
  EXPECT_EQ(ids(Range(std::nullopt, 2001 * second), 5), V{"s0"});
  EXPECT_EQ(ids(Range(3000 * second, std::nullopt), 5), V{});
  EXPECT_EQ(ids(TimeRange(), 100).size(), 12u);
}

TEST_P(StoreConformanceTest, ListsRejectMalformedPageTokens) {
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("a", "s1", 1)).ok());
  ASSERT_TRUE(store_->PutSnapshot(tenant_, TestSnapshot("b", "s1", 1)).ok());
  auto jobs_page = store_->ListJobs(tenant_, PageOf(1));
  ASSERT_TRUE(jobs_page.ok());
  const std::string jobs_token = jobs_page->next_page_token;
  ASSERT_FALSE(jobs_token.empty());

  for (const std::string& token :
       {std::string("garbage!!"), std::string("AAAA"), std::string("%%%"),
        jobs_token + "x", jobs_token.substr(0, jobs_token.size() / 2)}) {
    auto status = store_->ListJobs(tenant_, PageOf(10, token)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_EQ(status.message(), "page_token: malformed") << token;
  }
  // A token of one listing is malformed for another.
  std::vector<absl::Status> others = {
      store_->ListSnapshots(tenant_, "a", PageOf(10, jobs_token)).status(),
      store_->ListRecommendations(tenant_, "a", PageOf(10, jobs_token)).status(),
      store_->ListModels(tenant_, PageOf(10, jobs_token)).status()};
  for (const absl::Status& status : others) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "page_token: malformed");
  }
  EXPECT_EQ(store_->ListJobs(tenant_, PageOf(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListJobs(tenant_, PageOf(1001)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, TenantsAreIsolated) {
  const std::string other = RandomTenant();
  v1::StoredSnapshot mine = TestSnapshot("job", "s1", 100, 2);
  v1::StoredSnapshot theirs = TestSnapshot("job", "s1", 100, 3);
  auto a =
      store_->PutSnapshotAndRecommendation(tenant_, mine, TestRecommendation("ds2", 4));
  auto b = store_->PutSnapshot(other, theirs);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(b->stored);
  EXPECT_EQ(b->sequence, 1);
  auto found = store_->FindSnapshot(other, "job", "s1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE(ProtoEq((*found)->snapshot(), theirs.snapshot()));
  auto rec = store_->FindRecommendation(other, "job", "s1");
  ASSERT_TRUE(rec.ok());
  EXPECT_FALSE(rec->has_value());
  auto job = store_->GetJob(other, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->recommendation_count(), 0);

  ASSERT_TRUE(store_
                  ->PutModel(
                      tenant_,
                      [] {
                        v1::Model m;
                        m.set_model_id("global");
                        return m;
                      }(),
                      "mine")
                  .ok());
  EXPECT_EQ(store_->GetModel(other, "global", 0).status().code(),
            absl::StatusCode::kNotFound);
  auto models = store_->ListModels(other, PageOf(10));
  ASSERT_TRUE(models.ok());
  EXPECT_TRUE(models->items.empty());
  auto jobs = store_->ListJobs(other, PageOf(10));
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->items.size(), 1u);
}

TEST_P(StoreConformanceTest, ConcurrentWritersGetContiguousSequences) {
  constexpr int kThreads = 6, kEach = 8;
  std::vector<std::vector<int64_t>> sequences(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto put = store_->PutSnapshot(
            tenant_, TestSnapshot("job", absl::StrCat("t", t, "-", i), i));
        if (put.ok() && put->stored) sequences[t].push_back(put->sequence);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<int64_t> all;
  for (const auto& s : sequences) {
    EXPECT_EQ(static_cast<int>(s.size()), kEach);
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    all.insert(s.begin(), s.end());
  }
  ASSERT_EQ(static_cast<int>(all.size()), kThreads * kEach) << "duplicates";
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kEach);
  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->snapshot_count(), kThreads * kEach);
}

TEST_P(StoreConformanceTest, ConcurrentRetriesConvergeOnOneAnswer) {
  constexpr int kThreads = 6;
  v1::StoredSnapshot s = TestSnapshot("job", "s1", 100);
  std::vector<absl::StatusOr<v1::Recommendation>> answers(
      kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      answers[t] = store_->PutSnapshotAndRecommendation(
          tenant_, s, TestRecommendation(absl::StrCat("policy-", t), t + 1));
    });
  }
  for (auto& thread : threads) thread.join();
  auto stored = store_->FindRecommendation(tenant_, "job", "s1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_TRUE(ProtoEq(*answer, **stored));
  }
  auto job = store_->GetJob(tenant_, "job");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->snapshot_count(), 1);
  EXPECT_EQ(job->recommendation_count(), 1);
  EXPECT_EQ(job->last_policy(), (*stored)->policy());
}

}  // namespace streamtune
