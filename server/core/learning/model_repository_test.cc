// ModelRepository over an InMemoryStore: runs published and found again,
// models stored and read back, and the (tenant, id, version) LRU cache of
// loaded models.
#include "server/core/learning/model_repository.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/testing/need_model.h"
#include "storage/in_memory_store.h"

namespace streamtune {
namespace {

using ::testing::ElementsAre;
using testing::NeedModel;
using testing::NeedTrainer;

v1::Model Record(const std::string& id, const std::string& kind = kClusterModelKind) {
  v1::Model model;
  model.set_model_id(id);
  model.set_kind(kind);
  model.set_cluster_id(kind == kGlobalModelKind ? "global" : id);
  return model;
}

class ModelRepositoryTest : public ::testing::Test {
 protected:
  // Stores a model version for tenant "t" whose weights are `weights`.
  v1::Model Stored(const std::string& id, const std::string& weights,
                   const std::string& kind = kClusterModelKind) {
    auto stored = repository_.Put("t", Record(id, kind), weights);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : v1::Model();
  }

  // The needs of a loaded NeedModel (empty on error).
  std::vector<int> Needs(ModelRepository& repository, const std::string& tenant,
                         const v1::Model& model) {
    auto loaded = repository.Load(tenant, model);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok()) return {};
    return dynamic_cast<const NeedModel&>(**loaded).need();
  }

  // The tenant's newest published run, as the tuning core reads it.
  std::optional<PretrainedModels> NewestRun(const std::string& tenant) {
    auto run = store_.NewestPretrainRun(tenant);
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok() || !run->has_value()) return std::nullopt;
    return PretrainedModelsOf(**run);
  }

  InMemoryStore store_;
  NeedTrainer trainer_;
  ModelRepository repository_{&store_, &trainer_};
};

TEST_F(ModelRepositoryTest, NoRunBeforeTheFirstIsPublished) {
  EXPECT_FALSE(NewestRun("t").has_value());
}

TEST_F(ModelRepositoryTest, PublishRunRoundTripsThroughTheStore) {
  PretrainedModels published;
  published.run = "run-1";
  published.clusters = {Stored("run-1.cluster-0", "1"), Stored("run-1.cluster-1", "2")};
  published.global = Stored("run-1.global", "3", kGlobalModelKind);
  ASSERT_TRUE(repository_.PublishRun("t", published).ok());

  auto stored = store_.NewestPretrainRun("t");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->run_id(), "run-1");
  EXPECT_EQ((*stored)->models_size(), 3);

  const std::optional<PretrainedModels> run = NewestRun("t");
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->run, "run-1");
  ASSERT_EQ(run->clusters.size(), 2u);
  EXPECT_EQ(run->clusters[0].model_id(), "run-1.cluster-0");
  EXPECT_EQ(run->clusters[1].model_id(), "run-1.cluster-1");
  ASSERT_TRUE(run->global.has_value());
  EXPECT_EQ(run->global->model_id(), "run-1.global");
  EXPECT_EQ(run->global->kind(), kGlobalModelKind);
  // Runs are per tenant.
  EXPECT_FALSE(NewestRun("u").has_value());
}

TEST_F(ModelRepositoryTest, TheNewestPublishedRunWins) {
  PretrainedModels first;
  first.run = "run-1";
  first.global = Stored("run-1.global", "1", kGlobalModelKind);
  PretrainedModels second;
  second.run = "run-2";
  second.clusters = {Stored("run-2.cluster-0", "2")};
  ASSERT_TRUE(repository_.PublishRun("t", first).ok());
  ASSERT_TRUE(repository_.PublishRun("t", second).ok());
  const std::optional<PretrainedModels> run = NewestRun("t");
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->run, "run-2");
  EXPECT_EQ(run->clusters.size(), 1u);
  EXPECT_FALSE(run->global.has_value());
}

TEST_F(ModelRepositoryTest, PutAndWeightsReadBackEveryVersion) {
  const v1::Model v1 = Stored("job:job", "1,2,3", kJobModelKind);
  const v1::Model v2 = Stored("job:job", "4,5,6", kJobModelKind);
  EXPECT_EQ(v1.version(), 1);
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(repository_.Weights("t", v1).value_or(""), "1,2,3");
  EXPECT_EQ(repository_.Weights("t", v2).value_or(""), "4,5,6");
  EXPECT_EQ(repository_.Weights("u", v2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(JobModelId("job"), "job:job");
}

TEST_F(ModelRepositoryTest, LoadCachesByTenantIdAndVersion) {
  const v1::Model model = Stored("m", "1,2");
  EXPECT_THAT(Needs(repository_, "t", model), ElementsAre(1, 2));
  EXPECT_EQ(repository_.cache_misses(), 1);
  EXPECT_EQ(repository_.cache_hits(), 0);
  EXPECT_THAT(Needs(repository_, "t", model), ElementsAre(1, 2));
  EXPECT_EQ(repository_.cache_misses(), 1);
  EXPECT_EQ(repository_.cache_hits(), 1);
  EXPECT_EQ(trainer_.loaded, 1);

  // A new version of the same id is a miss and loads the new weights.
  const v1::Model next = Stored("m", "3,4");
  EXPECT_THAT(Needs(repository_, "t", next), ElementsAre(3, 4));
  EXPECT_EQ(repository_.cache_misses(), 2);
  EXPECT_EQ(trainer_.loaded, 2);
  // The old version is still cached.
  EXPECT_THAT(Needs(repository_, "t", model), ElementsAre(1, 2));
  EXPECT_EQ(repository_.cache_hits(), 2);
}

TEST_F(ModelRepositoryTest, TheSameIdAndVersionOfAnotherTenantIsAMiss) {
  const v1::Model mine = Stored("m", "1");
  auto theirs = repository_.Put("u", Record("m"), "7");
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->version(), mine.version());
  EXPECT_THAT(Needs(repository_, "t", mine), ElementsAre(1));
  EXPECT_THAT(Needs(repository_, "u", *theirs), ElementsAre(7));
  EXPECT_EQ(repository_.cache_misses(), 2);
  EXPECT_EQ(repository_.cache_hits(), 0);
}

TEST_F(ModelRepositoryTest, EvictsTheLeastRecentlyUsedModelAtCapacity) {
  ModelRepository small(&store_, &trainer_, /*cache_capacity=*/2);
  const v1::Model a = Stored("a", "1");
  const v1::Model b = Stored("b", "2");
  const v1::Model c = Stored("c", "3");
  Needs(small, "t", a);
  Needs(small, "t", b);
  Needs(small, "t", a);  // Hit: b is now the least recently used.
  ASSERT_EQ(small.cache_hits(), 1);
  Needs(small, "t", c);  // Evicts b.
  ASSERT_EQ(small.cache_misses(), 3);
  Needs(small, "t", a);
  Needs(small, "t", c);
  EXPECT_EQ(small.cache_hits(), 3);
  EXPECT_EQ(small.cache_misses(), 3);
  Needs(small, "t", b);  // Was evicted.
  EXPECT_EQ(small.cache_misses(), 4);
  EXPECT_EQ(small.cache_hits(), 3);
}

TEST_F(ModelRepositoryTest, LoadFailsForMissingOrCorruptWeightsAndCachesNothing) {
  v1::Model absent = Record("absent");
  absent.set_version(1);
  EXPECT_EQ(repository_.Load("t", absent).status().code(), absl::StatusCode::kNotFound);
  const v1::Model corrupt = Stored("corrupt", "not,numbers");
  EXPECT_EQ(repository_.Load("t", corrupt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repository_.Load("t", corrupt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repository_.cache_hits(), 0);
  EXPECT_EQ(repository_.cache_misses(), 3);
}

}  // namespace
}  // namespace streamtune
