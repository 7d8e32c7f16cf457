#include "server/model/gnn_model.h"

#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace streamtune {
namespace {

// A random DAG (edges only from lower to higher index) with features drawn
// from a wide normal, so the encoder's outputs cover a wide range.
GraphFeatures RandomGraph(std::mt19937_64& rng, int feature_dim) {
  std::uniform_int_distribution<int> size(1, 12);
  std::normal_distribution<float> value(0.0f, 3.0f);
  GraphFeatures g;
  g.num_nodes = size(rng);
  for (int i = 0; i < g.num_nodes * feature_dim; ++i) {
    g.node_features.push_back(value(rng));
  }
  std::bernoulli_distribution edge(0.3);
  for (int u = 0; u < g.num_nodes; ++u) {
    for (int v = u + 1; v < g.num_nodes; ++v) {
      if (edge(rng)) g.edges.emplace_back(u, v);
    }
  }
  return g;
}

std::unique_ptr<TorchBottleneckModel> MakeModel(const GnnConfig& config,
                                                uint64_t seed) {
  auto model = TorchBottleneckModel::Create(config, seed);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

TEST(TorchBottleneckModel, ProbabilityNeverRisesWithParallelism) {
  // Property: for random architectures, weights and graphs, and random
  // p1 < p2, P(p2) <= P(p1); and over every consecutive p in 1..300.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> hidden(4, 48);
  std::uniform_int_distribution<int> layers(1, 4);
  std::uniform_real_distribution<double> log_p(0.0, std::log(20000.0));
  int draws = 0;
  int informative = 0;  // Draws where P actually dropped noticeably.
  for (int trial = 0; trial < 40; ++trial) {
    GnnConfig config;
    config.feature_dim = 1 + trial % 20;
    config.hidden = hidden(rng);
    config.layers = layers(rng);
    auto model = MakeModel(config, rng());
    for (int g = 0; g < 3; ++g) {
      const GraphFeatures graph = RandomGraph(rng, config.feature_dim);
      auto predictor = model->Prepare(graph);
      ASSERT_TRUE(predictor.ok()) << predictor.status();
      for (int v = 0; v < graph.num_nodes; ++v) {
        for (int d = 0; d < 50; ++d) {
          int p1 = static_cast<int>(std::exp(log_p(rng)));
          int p2 = static_cast<int>(std::exp(log_p(rng)));
          if (p1 == p2) continue;
          if (p1 > p2) std::swap(p1, p2);
          const double a = (*predictor)->Probability(v, p1);
          const double b = (*predictor)->Probability(v, p2);
          ASSERT_LE(b, a) << "node " << v << " p " << p1 << " -> " << p2;
          ASSERT_GE(b, 0.0);
          ASSERT_LE(a, 1.0);
          ++draws;
          if (a - b > 1e-3) ++informative;
        }
        double previous = (*predictor)->Probability(v, 1);
        for (int p = 2; p <= 300; ++p) {
          const double current = (*predictor)->Probability(v, p);
          ASSERT_LE(current, previous) << "node " << v << " p " << p;
          previous = current;
        }
      }
    }
  }
  EXPECT_GT(draws, 5000);
  // The property is not vacuous: the head really moves with p.
  EXPECT_GT(informative, draws / 4);
}

TEST(TorchBottleneckModel, PrepareRejectsGraphsThatDoNotFit) {
  auto model = MakeModel(GnnConfig{}, 1);
  GraphFeatures g;
  g.num_nodes = 2;
  g.node_features.assign(2 * (kNodeFeatureDim - 1), 0.0f);  // Too narrow.
  EXPECT_EQ(model->Prepare(g).status().code(), absl::StatusCode::kInvalidArgument);
  g.node_features.assign(2 * kNodeFeatureDim, 0.0f);
  EXPECT_TRUE(model->Prepare(g).ok());
  g.edges = {{0, 2}};
  EXPECT_EQ(model->Prepare(g).status().code(), absl::StatusCode::kInvalidArgument);
  g.edges = {{-1, 0}};
  EXPECT_EQ(model->Prepare(g).status().code(), absl::StatusCode::kInvalidArgument);
  g.edges = {{0, 1}};
  g.node_features[3] = std::nanf("");
  EXPECT_EQ(model->Prepare(g).status().code(), absl::StatusCode::kInvalidArgument);
  g.node_features[3] = 0;
  g.num_nodes = -1;
  EXPECT_EQ(model->Prepare(g).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TorchBottleneckModel, EmptyGraphAndOutOfRangeNodes) {
  auto model = MakeModel(GnnConfig{}, 1);
  auto empty = model->Prepare(GraphFeatures{});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(std::isnan((*empty)->Probability(0, 1)));
  GraphFeatures one;
  one.num_nodes = 1;
  one.node_features.assign(kNodeFeatureDim, 1.0f);
  auto predictor = model->Prepare(one);
  ASSERT_TRUE(predictor.ok());
  EXPECT_TRUE(std::isnan((*predictor)->Probability(1, 1)));
  EXPECT_TRUE(std::isnan((*predictor)->Probability(-1, 1)));
  // Parallelism below 1 is treated as 1.
  EXPECT_EQ((*predictor)->Probability(0, 0), (*predictor)->Probability(0, 1));
}

TEST(TorchBottleneckModel, CreateRejectsBadConfigs) {
  GnnConfig config;
  config.hidden = 0;
  EXPECT_FALSE(TorchBottleneckModel::Create(config, 1).ok());
  config = GnnConfig{};
  config.knots = {0.0, 0.0};
  EXPECT_FALSE(TorchBottleneckModel::Create(config, 1).ok());
  config.knots = {};
  EXPECT_FALSE(TorchBottleneckModel::Create(config, 1).ok());
  config = GnnConfig{};
  config.layers = 17;
  EXPECT_FALSE(TorchBottleneckModel::Create(config, 1).ok());
}

TEST(TorchBottleneckModel, CreateDependsOnTheSeedOnly) {
  auto a = MakeModel(GnnConfig{}, 42);
  auto b = MakeModel(GnnConfig{}, 42);
  auto c = MakeModel(GnnConfig{}, 43);
  EXPECT_EQ(a->FlatParameters(), b->FlatParameters());
  EXPECT_NE(a->FlatParameters(), c->FlatParameters());
  // 19·64·3 + 64 + 2·(64·64·3 + 64) + (64 + 1) + (64·8 + 8).
  EXPECT_EQ(a->num_parameters(), 3648 + 64 + 2 * (12288 + 64) + 65 + 520);
  EXPECT_EQ(a->feature_mean(), std::vector<float>(kNodeFeatureDim, 0.0f));
  EXPECT_EQ(a->feature_std(), std::vector<float>(kNodeFeatureDim, 1.0f));
}

TEST(TorchBottleneckModel, CloneIsAnIndependentEqualCopy) {
  auto model = MakeModel(GnnConfig{}, 5);
  auto copy = model->Clone();
  EXPECT_EQ(model->FlatParameters(), copy->FlatParameters());
  std::mt19937_64 rng(1);
  const GraphFeatures g = RandomGraph(rng, kNodeFeatureDim);
  auto p1 = model->Prepare(g);
  auto p2 = copy->Prepare(g);
  ASSERT_TRUE(p1.ok() && p2.ok());
  for (int v = 0; v < g.num_nodes; ++v) {
    EXPECT_EQ((*p1)->Probability(v, 3), (*p2)->Probability(v, 3));
  }
  model.reset();  // The copy shares nothing.
  EXPECT_TRUE(copy->Prepare(g).ok());
}

TEST(TorchBottleneckModel, PrepareIsSafeFromManyThreads) {
  auto model = MakeModel(GnnConfig{}, 9);
  std::mt19937_64 rng(3);
  const GraphFeatures g = RandomGraph(rng, kNodeFeatureDim);
  auto reference = model->Prepare(g);
  ASSERT_TRUE(reference.ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto p = model->Prepare(g);
        if (!p.ok()) {
          ++mismatches[t];
          continue;
        }
        for (int v = 0; v < g.num_nodes; ++v) {
          if ((*p)->Probability(v, 2) != (*reference)->Probability(v, 2)) {
            ++mismatches[t];
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace streamtune
