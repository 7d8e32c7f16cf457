#include "server/model/trainer.h"

#include <cmath>
#include <iostream>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "server/model/test_samples.h"

namespace streamtune {
namespace {

using ::streamtune::testing::SyntheticSamples;

double RmsDistance(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum / static_cast<double>(a.size()));
}

TEST(TrainModel, LowersTheLossAndRanksHeldOutJobsWell) {
  const std::vector<TrainingSample> samples = SyntheticSamples(50, 6, 11);
  TrainOptions options;
  options.seed = 3;
  options.epochs = 30;
  std::vector<int> epochs_seen;
  options.progress = [&](int epoch, double) { epochs_seen.push_back(epoch); };
  auto result = TrainModel(samples, options);
  ASSERT_TRUE(result.ok()) << result.status();
  std::cout << "synthetic training: loss " << result->initial_loss << " -> "
            << result->final_loss << " in " << result->steps << " steps; held-out "
            << result->held_out.jobs << " jobs, " << result->held_out.labelled_nodes
            << " nodes (" << result->held_out.positives << " bottlenecks): ROC-AUC "
            << result->held_out.roc_auc << ", Brier " << result->held_out.brier
            << ", max monotonicity increase " << result->max_monotonicity_increase
            << "\n";
  EXPECT_LT(result->final_loss, 0.5 * result->initial_loss);
  ASSERT_EQ(result->epoch_loss.size(), 30u);
  EXPECT_LT(result->epoch_loss.back(), result->epoch_loss.front());
  EXPECT_EQ(epochs_seen.size(), 30u);
  EXPECT_EQ(epochs_seen.back(), 30);
  EXPECT_EQ(result->held_out.jobs, 10);
  EXPECT_EQ(result->train_jobs, 40);
  EXPECT_EQ(result->held_out.samples, 60);
  EXPECT_EQ(result->train_samples, 240);
  EXPECT_GT(result->held_out.roc_auc, 0.9);
  EXPECT_LT(result->held_out.brier, 0.15);
  EXPECT_LE(result->max_monotonicity_increase, 1e-6);
  // Normalisation was fitted to the training features.
  EXPECT_NE(result->model->feature_mean(), std::vector<float>(kNodeFeatureDim, 0.0f));
}

TEST(TrainModel, HoldsOutWholeJobs) {
  const std::vector<TrainingSample> samples = SyntheticSamples(10, 3, 5);
  TrainOptions options;
  options.epochs = 1;
  auto result = TrainModel(samples, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->held_out_job_ids.size(), 2u);
  const std::set<std::string> held(result->held_out_job_ids.begin(),
                                   result->held_out_job_ids.end());
  int held_samples = 0;
  for (const TrainingSample& s : samples) held_samples += held.count(s.job_id);
  EXPECT_EQ(held_samples, 6);
  EXPECT_EQ(result->held_out.samples, 6);
  EXPECT_EQ(result->train_samples, 24);
}

TEST(TrainModel, IsDeterministicForASeed) {
  const std::vector<TrainingSample> samples = SyntheticSamples(8, 3, 2);
  TrainOptions options;
  options.epochs = 3;
  options.hidden = 16;
  auto a = TrainModel(samples, options);
  auto b = TrainModel(samples, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->model->FlatParameters(), b->model->FlatParameters());
  EXPECT_EQ(a->epoch_loss, b->epoch_loss);
  options.seed = 2;
  auto c = TrainModel(samples, options);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->model->FlatParameters(), c->model->FlatParameters());
}

TEST(TrainModel, StopsAtMaxSteps) {
  const std::vector<TrainingSample> samples = SyntheticSamples(10, 4, 1);
  TrainOptions options;
  options.epochs = 100;
  options.batch_graphs = 4;
  options.max_steps = 5;
  options.hidden = 8;
  auto result = TrainModel(samples, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->steps, 5);
  EXPECT_EQ(result->epoch_loss.size(), 1u);
}

TEST(TrainModel, FineTuningWithAStrongPullStaysNearTheStart) {
  TrainOptions pretrain;
  pretrain.epochs = 5;
  auto base = TrainModel(SyntheticSamples(20, 4, 8), pretrain);
  ASSERT_TRUE(base.ok());
  const std::vector<float> start = base->model->FlatParameters();

  // One job's samples with inverted labels: the data pull away hard.
  std::vector<TrainingSample> job = SyntheticSamples(1, 6, 99);
  for (TrainingSample& s : job) {
    for (int& y : s.labels) y = 1 - y;
  }
  TrainOptions tune;
  tune.epochs = 10;
  tune.batch_graphs = 2;
  tune.learning_rate = 1e-2;
  tune.l2_pull = 0;
  auto free_run = TrainModel(job, tune, base->model.get());
  tune.l2_pull = 100;
  auto pulled = TrainModel(job, tune, base->model.get());
  ASSERT_TRUE(free_run.ok() && pulled.ok());
  const double free_distance = RmsDistance(free_run->model->FlatParameters(), start);
  const double pulled_distance = RmsDistance(pulled->model->FlatParameters(), start);
  std::cout << "fine-tuning RMS weight change: no pull " << free_distance
            << ", pull 100 " << pulled_distance << "\n";
  EXPECT_EQ(pulled->steps, 30);
  EXPECT_LT(pulled_distance, 0.25 * free_distance);
  EXPECT_LT(pulled_distance, 0.01);
  // The start model is untouched, and the tuned copy keeps its normalisation.
  EXPECT_EQ(base->model->FlatParameters(), start);
  EXPECT_EQ(pulled->model->feature_mean(), base->model->feature_mean());
  // A single job is never held out.
  EXPECT_EQ(pulled->held_out.jobs, 0);
  EXPECT_TRUE(std::isnan(pulled->held_out.roc_auc));
  EXPECT_LE(pulled->max_monotonicity_increase, 1e-6);
}

TEST(TrainModel, RejectsMalformedSamplesAndOptions) {
  std::vector<TrainingSample> samples = SyntheticSamples(2, 1, 1);
  TrainOptions options;
  EXPECT_EQ(TrainModel({}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto broken = samples;
  broken[1].labels.pop_back();
  EXPECT_EQ(TrainModel(broken, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  broken = samples;
  broken[0].labels[0] = 2;
  EXPECT_EQ(TrainModel(broken, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  broken = samples;
  broken[0].query_parallelism[0] = 0;
  EXPECT_EQ(TrainModel(broken, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  broken = samples;
  broken[0].graph.node_features.pop_back();
  EXPECT_EQ(TrainModel(broken, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  broken = samples;
  for (TrainingSample& s : broken) s.labels.assign(s.labels.size(), -1);
  EXPECT_EQ(TrainModel(broken, options).status().code(),
            absl::StatusCode::kFailedPrecondition);
  TrainOptions bad = options;
  bad.learning_rate = 0;
  EXPECT_EQ(TrainModel(samples, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  bad = options;
  bad.holdout_fraction = 1;
  EXPECT_EQ(TrainModel(samples, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace streamtune
