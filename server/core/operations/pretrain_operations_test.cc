// PretrainOperations over an InMemoryStore, with a fake trainer that takes
// steps (reporting each) and can be held at one: progress reaches the store,
// cancel stops training and publishes nothing, a stale heartbeat is failed,
// shutdown ends a running operation. Tests wait by polling the operation
// with a deadline.
#include "server/core/operations/pretrain_operations.h"

#include <functional>
#include <string>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/graph/bottleneck_labels.h"
#include "server/core/graph/job_graph.h"
#include "server/core/testing/need_model.h"
#include "server/core/testing/test_snapshots.h"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

// "Trains" in kSteps steps, reporting each through on_step; holds at
// kHoldAt until `release` is notified (still reporting, so it can be
// stopped there). Loads like NeedTrainer.
class SteppingTrainer : public testing::NeedTrainer {
 public:
  static constexpr int kSteps = 10;
  static constexpr int kHoldAt = 4;
  absl::StatusOr<TrainedModel> Train(const std::vector<TrainingSample>& samples,
                                     const TrainSettings& settings,
                                     absl::string_view start) const override {
    for (int step = 0; step < kSteps; ++step) {
      while (true) {
        if (!settings.on_step(step, kSteps)) return absl::CancelledError("stopped");
        if (step != kHoldAt ||
            release.WaitForNotificationWithTimeout(absl::Milliseconds(2))) {
          break;
        }
      }
    }
    return NeedTrainer::Train(samples, settings, start);
  }
  mutable absl::Notification release;
};

class PretrainOperationsTest : public ::testing::Test {
 protected:
  PretrainOperationsTest() {
    TuningCoreOptions options;
    options.pretrain.k_min = 2;
    options.pretrain.k_max = 2;
    options.pretrain.min_cluster_size = 1;
    core_ = std::make_unique<TuningCore>(&store_, &policies_, options, &pretrainer_);
    for (const char* job : {"short-a", "short-b"}) {
      Report(job, testing::ValidChain("s1", 1000));
      Report(job, testing::ValidChain("s2", 1060));
    }
    for (const char* job : {"long-a", "long-b"}) {
      Report(job, testing::ThrottledChain("s1", 1000, 0));
      Report(job, testing::ThrottledChain("s2", 1060, 0));
    }
  }
  ~PretrainOperationsTest() override {
    if (!trainer_.release.HasBeenNotified()) trainer_.release.Notify();
    operations_.reset();
  }

  void Report(const std::string& job_id, v1::Snapshot snapshot) {
    snapshot.set_job_id(job_id);
    v1::StoredSnapshot stored;
    *stored.mutable_snapshot() = snapshot;
    for (const auto& label : LabelBottlenecks(JobGraph(snapshot), nullptr)) {
      *stored.add_labels() = label;
    }
    ASSERT_TRUE(store_.PutSnapshot("t", stored).ok());
  }

  void StartRunner(PretrainOperationsOptions options = Fast()) {
    operations_ = std::make_unique<PretrainOperations>(&store_, core_.get(), options);
  }
  static PretrainOperationsOptions Fast() {
    PretrainOperationsOptions options;
    options.heartbeat_interval = absl::Milliseconds(5);
    return options;
  }

  // Polls the operation until `condition` holds; the last state read.
  v1::Operation WaitFor(const std::string& name,
                        const std::function<bool(const v1::Operation&)>& condition) {
    v1::GetOperationRequest request;
    request.set_name(name);
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    v1::Operation last;
    while (absl::Now() < deadline) {
      absl::StatusOr<v1::Operation> operation = operations_->Get("t", request);
      EXPECT_TRUE(operation.ok()) << operation.status();
      if (!operation.ok()) break;
      last = *operation;
      if (condition(last)) return last;
      absl::SleepFor(absl::Milliseconds(2));
    }
    ADD_FAILURE() << "condition not reached; last: " << last.DebugString();
    return last;
  }
  static bool HeldInTraining(const v1::Operation& operation) {
    return operation.metadata().phase() == v1::PRETRAIN_PHASE_TRAINING &&
           operation.metadata().done() == SteppingTrainer::kHoldAt;
  }
  static bool Done(const v1::Operation& operation) { return operation.done(); }

  InMemoryStore store_;
  PolicyRegistry policies_;
  SteppingTrainer trainer_;
  ModelRepository models_{&store_, &trainer_};
  Pretrainer pretrainer_{&store_, &models_, &trainer_};
  std::unique_ptr<TuningCore> core_;
  std::unique_ptr<PretrainOperations> operations_;
};

TEST_F(PretrainOperationsTest, ProgressReachesTheStoreAndTheResultIsKept) {
  StartRunner();
  auto started = operations_->Start("t", v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(started->done());
  EXPECT_EQ(started->state(), v1::RUNNING);
  EXPECT_THAT(started->name(), ::testing::StartsWith("operations/pretrain-"));

  const v1::Operation held = WaitFor(started->name(), HeldInTraining);
  EXPECT_EQ(held.metadata().total(), SteppingTrainer::kSteps);
  EXPECT_EQ(held.metadata().description(), "training cluster 1 of 2 (8 samples)");
  EXPECT_TRUE(held.metadata().has_eta());
  ASSERT_GE(held.metadata().finished_phases_size(), 3);
  EXPECT_EQ(held.metadata().finished_phases(0).phase(),
            v1::PRETRAIN_PHASE_READING_HISTORY);
  EXPECT_EQ(held.metadata().finished_phases(1).phase(),
            v1::PRETRAIN_PHASE_COMPUTING_DISTANCES);
  EXPECT_EQ(held.metadata().finished_phases(2).phase(), v1::PRETRAIN_PHASE_CLUSTERING);
  // Other calls are served meanwhile.
  EXPECT_TRUE(store_.NewestPretrainRun("t").ok());

  trainer_.release.Notify();
  const v1::Operation done = WaitFor(started->name(), Done);
  EXPECT_EQ(done.state(), v1::SUCCEEDED);
  ASSERT_EQ(done.response().models_size(), 3);
  EXPECT_FALSE(done.has_error());
  // Three trainings and the publishing, besides the first three phases.
  EXPECT_EQ(done.metadata().finished_phases_size(), 7);
  EXPECT_EQ(done.metadata().finished_phases(6).phase(), v1::PRETRAIN_PHASE_PUBLISHING);
  auto run = store_.NewestPretrainRun("t");
  ASSERT_TRUE(run.ok() && run->has_value());
  EXPECT_EQ((*run)->run_id(), done.response().models(0).pretrain_run());

  v1::ListOperationsRequest list;
  auto listed = operations_->List("t", list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->operations_size(), 1);
  EXPECT_EQ(listed->operations(0).name(), started->name());
}

TEST_F(PretrainOperationsTest, CancelStopsTrainingAndPublishesNothing) {
  StartRunner();
  auto started = operations_->Start("t", v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  WaitFor(started->name(), HeldInTraining);
  v1::CancelOperationRequest cancel;
  cancel.set_name(started->name());
  auto cancelled = operations_->Cancel("t", cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->cancel_requested());

  const v1::Operation done = WaitFor(started->name(), Done);
  EXPECT_EQ(done.state(), v1::CANCELLED);
  EXPECT_EQ(done.error().code(), static_cast<int>(absl::StatusCode::kCancelled));
  EXPECT_THAT(done.error().message(), HasSubstr("nothing published"));
  auto run = store_.NewestPretrainRun("t");
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(run->has_value());
  auto models = store_.ListModels("t", PageRequest{10, ""});
  ASSERT_TRUE(models.ok());
  EXPECT_TRUE(models->items.empty());
  // Cancelling a done operation returns it unchanged.
  auto again = operations_->Cancel("t", cancel);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state(), v1::CANCELLED);
}

TEST_F(PretrainOperationsTest, CancelThroughTheStoreAloneIsSeenByTheHeartbeat) {
  StartRunner();
  auto started = operations_->Start("t", v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  WaitFor(started->name(), HeldInTraining);
  // As another replica would: only the store is told.
  ASSERT_TRUE(store_.RequestOperationCancel("t", started->name()).ok());
  EXPECT_EQ(WaitFor(started->name(), Done).state(), v1::CANCELLED);
}

TEST_F(PretrainOperationsTest, AStaleHeartbeatIsFailedWhenRead) {
  // An operation whose replica died: running in the store, no runner.
  v1::Operation orphan;
  orphan.set_name("operations/orphan");
  orphan.set_state(v1::RUNNING);
  ASSERT_TRUE(store_.CreateOperation("t", orphan).ok());
  PretrainOperationsOptions options = Fast();
  options.lease = absl::ZeroDuration();
  StartRunner(options);
  v1::GetOperationRequest get;
  get.set_name("operations/orphan");
  auto read = operations_->Get("t", get);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->done());
  EXPECT_EQ(read->state(), v1::FAILED);
  EXPECT_EQ(read->error().code(), static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_THAT(read->error().message(), HasSubstr("the replica running it stopped"));
}

TEST_F(PretrainOperationsTest, FailStaleAtStartUpEndsEveryTenantsOrphans) {
  v1::Operation orphan;
  orphan.set_name("operations/orphan");
  ASSERT_TRUE(store_.CreateOperation("t", orphan).ok());
  ASSERT_TRUE(store_.CreateOperation("u", orphan).ok());
  PretrainOperationsOptions options = Fast();
  options.lease = absl::ZeroDuration();
  StartRunner(options);
  auto failed = operations_->FailStale();
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(*failed, 2);
  EXPECT_EQ(store_.GetOperation("u", "operations/orphan")->state(), v1::FAILED);
}

TEST_F(PretrainOperationsTest, ShutdownEndsARunningOperationAsFailed) {
  StartRunner();
  auto started = operations_->Start("t", v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  WaitFor(started->name(), HeldInTraining);
  operations_->Shutdown(absl::Seconds(10));
  auto stored = store_.GetOperation("t", started->name());
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->done());
  EXPECT_EQ(stored->state(), v1::FAILED);
  EXPECT_EQ(stored->error().code(), static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_THAT(stored->error().message(), HasSubstr("shut down"));
  EXPECT_FALSE(store_.NewestPretrainRun("t")->has_value());
  EXPECT_EQ(operations_->Start("t", v1::PretrainRequest()).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(PretrainOperationsTest, StartValidatesAndRunsOneAtATime) {
  StartRunner();
  v1::PretrainRequest bad;
  bad.set_seed(-1);
  EXPECT_EQ(operations_->Start("t", bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto first = operations_->Start("t", v1::PretrainRequest());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(operations_->Start("t", v1::PretrainRequest()).status().code(),
            absl::StatusCode::kResourceExhausted);
  v1::GetOperationRequest get;
  get.set_name("operations/nope");
  EXPECT_EQ(operations_->Get("t", get).status().code(), absl::StatusCode::kNotFound);
  get.clear_name();
  EXPECT_EQ(operations_->Get("t", get).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PretrainOperationsTest, WithoutHistoryTheOperationFails) {
  StartRunner();
  auto started = operations_->Start("empty", v1::PretrainRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  v1::GetOperationRequest get;
  get.set_name(started->name());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  absl::StatusOr<v1::Operation> read;
  do {
    read = operations_->Get("empty", get);
    ASSERT_TRUE(read.ok()) << read.status();
  } while (!read->done() && absl::Now() < deadline);
  EXPECT_EQ(read->state(), v1::FAILED);
  EXPECT_EQ(read->error().code(),
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace streamtune
