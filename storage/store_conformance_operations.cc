// The store conformance suite, part three: pre-training operations
// (creation, the runner's updates, cancellation, stale heartbeats, listing).
// Same fixture and instantiations as store_conformance.cc.
#include <string>

#include "common/timestamps.h"
#include "storage/store_conformance.h"

namespace streamtune {
namespace {

v1::Operation RunningOperation(const std::string& name) {
  v1::Operation operation;
  operation.set_name(name);
  operation.set_state(v1::RUNNING);
  operation.mutable_request()->set_seed(7);
  operation.mutable_metadata()->set_phase(v1::PRETRAIN_PHASE_QUEUED);
  return operation;
}

v1::OperationError StaleError() {
  v1::OperationError error;
  error.set_code(static_cast<int>(absl::StatusCode::kAborted));
  error.set_message("the replica running it stopped");
  return error;
}

TEST_P(StoreConformanceTest, CreateAndGetOperation) {
  auto created = store_->CreateOperation(tenant_, RunningOperation("operations/a"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->has_create_time());
  EXPECT_EQ(created->create_time().nanos() % 1000, 0);
  EXPECT_TRUE(ProtoEq(created->update_time(), created->create_time()));
  EXPECT_FALSE(created->done());
  EXPECT_EQ(created->request().seed(), 7);
  auto read = store_->GetOperation(tenant_, "operations/a");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(ProtoEq(*read, *created));

  EXPECT_EQ(store_->CreateOperation(tenant_, RunningOperation("operations/a"))
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateOperation(tenant_, v1::Operation()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetOperation(tenant_, "operations/nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetOperation(RandomTenant(), "operations/a").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, UpdateOperationUntilDone) {
  auto created = store_->CreateOperation(tenant_, RunningOperation("operations/u"));
  ASSERT_TRUE(created.ok()) << created.status();
  v1::Operation progress = *created;
  progress.mutable_metadata()->set_phase(v1::PRETRAIN_PHASE_TRAINING);
  progress.mutable_metadata()->set_done(3);
  progress.mutable_metadata()->set_total(10);
  progress.mutable_request()->set_seed(99);  // the store keeps the request
  auto updated = store_->UpdateOperation(tenant_, progress);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->metadata().done(), 3);
  EXPECT_EQ(updated->request().seed(), 7);
  EXPECT_TRUE(ProtoEq(updated->create_time(), created->create_time()));
  EXPECT_GT(ToUnixMicros(updated->update_time()), ToUnixMicros(created->update_time()));

  v1::Operation finished = *updated;
  finished.set_done(true);
  finished.set_state(v1::SUCCEEDED);
  finished.mutable_response()->add_models()->set_model_id("run.global");
  auto done = store_->UpdateOperation(tenant_, finished);
  ASSERT_TRUE(done.ok()) << done.status();
  auto read = store_->GetOperation(tenant_, "operations/u");
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->done());
  EXPECT_EQ(read->state(), v1::SUCCEEDED);
  EXPECT_EQ(read->response().models(0).model_id(), "run.global");
  // A done operation is final.
  EXPECT_EQ(store_->UpdateOperation(tenant_, progress).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->UpdateOperation(tenant_, RunningOperation("operations/x"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, CancelIsRequestedOnlyWhileRunning) {
  ASSERT_TRUE(store_->CreateOperation(tenant_, RunningOperation("operations/c")).ok());
  auto cancelled = store_->RequestOperationCancel(tenant_, "operations/c");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->cancel_requested());
  EXPECT_FALSE(cancelled->done());
  // The runner learns it from its next write.
  auto heartbeat = store_->UpdateOperation(tenant_, RunningOperation("operations/c"));
  ASSERT_TRUE(heartbeat.ok());
  EXPECT_TRUE(heartbeat->cancel_requested());

  v1::Operation finished = RunningOperation("operations/d");
  ASSERT_TRUE(store_->CreateOperation(tenant_, finished).ok());
  finished.set_done(true);
  finished.set_state(v1::SUCCEEDED);
  ASSERT_TRUE(store_->UpdateOperation(tenant_, finished).ok());
  auto unchanged = store_->RequestOperationCancel(tenant_, "operations/d");
  ASSERT_TRUE(unchanged.ok());
  EXPECT_FALSE(unchanged->cancel_requested());
  EXPECT_EQ(unchanged->state(), v1::SUCCEEDED);
  EXPECT_EQ(store_->RequestOperationCancel(tenant_, "operations/nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, FailStaleOperationsEndsOnlyStaleRunningOnes) {
  ASSERT_TRUE(store_->CreateOperation(tenant_, RunningOperation("operations/s")).ok());
  v1::Operation finished = RunningOperation("operations/f");
  ASSERT_TRUE(store_->CreateOperation(tenant_, finished).ok());
  finished.set_done(true);
  finished.set_state(v1::SUCCEEDED);
  ASSERT_TRUE(store_->UpdateOperation(tenant_, finished).ok());

  // A fresh heartbeat is not stale for an hour.
  auto none = store_->FailStaleOperations(tenant_, absl::Hours(1), StaleError());
  ASSERT_TRUE(none.ok()) << none.status();
  auto running = store_->GetOperation(tenant_, "operations/s");
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running->done());

  // With no age allowed, every earlier heartbeat is stale. Only this
  // tenant's: other tests share the database.
  auto failed =
      store_->FailStaleOperations(tenant_, absl::ZeroDuration(), StaleError());
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(*failed, 1);
  auto stale = store_->GetOperation(tenant_, "operations/s");
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(stale->done());
  EXPECT_EQ(stale->state(), v1::FAILED);
  EXPECT_EQ(stale->error().code(), static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_EQ(stale->request().seed(), 7);
  auto kept = store_->GetOperation(tenant_, "operations/f");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->state(), v1::SUCCEEDED);
  // The runner's next write finds it done and stops.
  EXPECT_EQ(store_->UpdateOperation(tenant_, RunningOperation("operations/s"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, ListOperationsNewestFirstInPages) {
  for (const char* name : {"operations/1", "operations/2", "operations/3"}) {
    ASSERT_TRUE(store_->CreateOperation(tenant_, RunningOperation(name)).ok());
  }
  std::vector<v1::Operation> all = ListAll<v1::Operation>(
      2,
      [&](const PageRequest& page) { return store_->ListOperations(tenant_, page); });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name(), "operations/3");
  EXPECT_EQ(all[2].name(), "operations/1");
  auto other = store_->ListOperations(RandomTenant(), PageOf(10));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->items.empty());
  EXPECT_EQ(store_->ListOperations(tenant_, PageOf(10, "garbage")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune
