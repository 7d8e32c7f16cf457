// The store conformance suite, part two: models (versions, metadata,
// weights, listing), published pre-training runs and the job's model
// assignment. Same fixture and
// instantiations as store_conformance.cc.
#include <string>

#include "storage/store_conformance.h"

namespace streamtune {

TEST_P(StoreConformanceTest, PutModelAssignsVersionsAndKeepsMetadata) {
  v1::Model m;
  m.set_model_id("cluster-3");
  m.set_cluster_id("3");
  m.set_kind("cluster");
  (*m.mutable_metrics())["roc_auc"] = 0.9312345678901234;
  (*m.mutable_metrics())["train_samples"] = 12000;
  m.set_pretrain_run("run-1");
  auto* medoid_op = m.mutable_medoid()->add_operators();
  medoid_op->set_id("src");
  medoid_op->set_kind(v1::OPERATOR_KIND_SOURCE);
  m.set_version(77);  // assigned by the store
  auto v1 = store_->PutModel(tenant_, m, "one");
  auto v2 = store_->PutModel(tenant_, m, "two");
  ASSERT_TRUE(v1.ok() && v2.ok()) << v1.status() << v2.status();
  EXPECT_EQ(v1->version(), 1);
  EXPECT_EQ(v2->version(), 2);
  EXPECT_TRUE(v1->has_created_at());
  EXPECT_EQ(v1->created_at().nanos() % 1000, 0);
  EXPECT_EQ(v1->metrics().at("roc_auc"), 0.9312345678901234);

  EXPECT_EQ(v1->pretrain_run(), "run-1");
  auto newest = store_->GetModel(tenant_, "cluster-3", 0);
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_TRUE(ProtoEq(*newest, *v2));
  auto first = store_->GetModel(tenant_, "cluster-3", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(ProtoEq(*first, *v1));
  EXPECT_EQ(store_->GetModel(tenant_, "cluster-3", 3).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->PutModel(tenant_, v1::Model(), "w").status().code(),
            absl::StatusCode::kInvalidArgument);  // model_id is required
  EXPECT_EQ(store_->GetModel(tenant_, "nope", 0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetModelWeights(tenant_, "nope", 0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetModelWeights(tenant_, "cluster-3", 9).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ModelWeightsRoundTripArbitraryBytes) {
  std::string weights;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) weights.push_back(static_cast<char>(b));
  }
  weights += std::string(3, '\0') + "\\x00'\";--";
  v1::Model m;
  m.set_model_id("m");
  ASSERT_TRUE(store_->PutModel(tenant_, m, weights).ok());
  ASSERT_TRUE(store_->PutModel(tenant_, m, "").ok());
  auto newest = store_->GetModelWeights(tenant_, "m", 0);
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(*newest, "");
  auto first = store_->GetModelWeights(tenant_, "m", 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, weights);
}

TEST_P(StoreConformanceTest, ListModelsNewestFirstAndPaginates) {
  std::vector<std::pair<std::string, int64_t>> expected;  // newest first
  for (const char* id : {"a", "b", "a", "c", "b", "a", "d"}) {
    v1::Model m;
    m.set_model_id(id);
    auto put = store_->PutModel(tenant_, m, "w");
    ASSERT_TRUE(put.ok()) << put.status();
    expected.insert(expected.begin(), {id, put->version()});
  }
  auto all = ListAll<v1::Model>(
      3, [&](const PageRequest& page) { return store_->ListModels(tenant_, page); });
  std::vector<std::pair<std::string, int64_t>> got;
  for (const auto& m : all) got.emplace_back(m.model_id(), m.version());
  EXPECT_EQ(got, expected);
}

TEST_P(StoreConformanceTest, PretrainRunsAreTheirOwnRecordNewestWins) {
  auto none = store_->NewestPretrainRun(tenant_);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  v1::PretrainRun first;
  first.set_run_id("run-1");
  first.add_models()->set_model_id("run-1.cluster-0");
  first.add_models()->set_model_id("run-1.global");
  auto stored = store_->PutPretrainRun(tenant_, first);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->has_published_at());
  EXPECT_EQ(stored->published_at().nanos() % 1000, 0);
  // A republished run id is a new record, and the newest one wins.
  v1::PretrainRun second;
  second.set_run_id("run-2");
  second.add_models()->set_model_id("run-2.global");
  ASSERT_TRUE(store_->PutPretrainRun(tenant_, second).ok());
  auto newest = store_->NewestPretrainRun(tenant_);
  ASSERT_TRUE(newest.ok() && newest->has_value()) << newest.status();
  EXPECT_EQ((*newest)->run_id(), "run-2");
  ASSERT_EQ((*newest)->models_size(), 1);
  EXPECT_EQ((*newest)->models(0).model_id(), "run-2.global");

  // Runs are not models: ListModels does not see them.
  auto models = store_->ListModels(tenant_, PageRequest{100, ""});
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_TRUE(models->items.empty());
  // Other tenants see nothing; an empty run id is refused.
  EXPECT_FALSE(store_->NewestPretrainRun("other-tenant")->has_value());
  EXPECT_EQ(store_->PutPretrainRun(tenant_, v1::PretrainRun()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace streamtune
