#include "server/model/trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/model/gnn_net.h"
#include "server/model/metrics.h"

namespace streamtune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A feature column with a smaller spread (e.g. constant in the corpus) is
// only centred, not scaled, so it cannot blow up on a new value.
constexpr double kMinFeatureStd = 1e-6;

absl::Status ValidateOptions(const TrainOptions& o) {
  if (o.epochs < 0) return absl::InvalidArgumentError("epochs must be >= 0");
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    return absl::InvalidArgumentError("learning_rate must be positive");
  }
  if (o.batch_graphs < 1)
    return absl::InvalidArgumentError("batch_graphs must be >= 1");
  if (!(o.holdout_fraction >= 0 && o.holdout_fraction < 1)) {
    return absl::InvalidArgumentError("holdout_fraction must be in [0, 1)");
  }
  if (!(o.l2_pull >= 0) || !std::isfinite(o.l2_pull)) {
    return absl::InvalidArgumentError("l2_pull must be >= 0");
  }
  if (o.max_steps < 0) return absl::InvalidArgumentError("max_steps must be >= 0");
  return absl::OkStatus();
}

absl::Status ValidateSample(const TrainingSample& s, size_t index, int feature_dim) {
  auto bad = [index](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("sample ", index, ": ", what));
  };
  absl::Status graph = CheckGraph(s.graph, feature_dim);
  if (!graph.ok()) return bad(graph.message());
  const size_t n = static_cast<size_t>(s.graph.num_nodes);
  if (s.query_parallelism.size() != n)
    return bad("query_parallelism size != num_nodes");
  if (s.labels.size() != n) return bad("labels size != num_nodes");
  for (size_t v = 0; v < n; ++v) {
    if (s.labels[v] < -1 || s.labels[v] > 1) return bad("label not in {-1, 0, 1}");
    if (s.query_parallelism[v] < 1) return bad("query_parallelism < 1");
  }
  return absl::OkStatus();
}

// Fisher–Yates with an explicit formula (std::shuffle's is unspecified), so
// the order depends on the seed alone.
void Shuffle(std::vector<size_t>* v, std::mt19937_64* rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[(*rng)() % i]);
}

// Per-node targets and class weights of a set of samples, with their graphs
// batched into one.
struct LossBatch {
  GraphBatch graph;
  torch::Tensor log_p;   // [N] log query parallelism of every node
  torch::Tensor index;   // [M] rows of the labelled nodes
  torch::Tensor target;  // [M] 0/1
  torch::Tensor weight;  // [M] class weights
  int64_t labelled = 0;
};

LossBatch MakeLossBatch(const std::vector<TrainingSample>& samples,
                        const std::vector<size_t>& which, int feature_dim,
                        double positive_weight, double negative_weight) {
  std::vector<const GraphFeatures*> graphs;
  std::vector<float> log_p;
  std::vector<int64_t> index;
  std::vector<float> target;
  std::vector<float> weight;
  int64_t row = 0;
  for (size_t i : which) {
    const TrainingSample& s = samples[i];
    graphs.push_back(&s.graph);
    for (int v = 0; v < s.graph.num_nodes; ++v, ++row) {
      log_p.push_back(static_cast<float>(std::log(s.query_parallelism[v])));
      if (s.labels[v] < 0) continue;
      index.push_back(row);
      target.push_back(static_cast<float>(s.labels[v]));
      weight.push_back(
          static_cast<float>(s.labels[v] == 1 ? positive_weight : negative_weight));
    }
  }
  LossBatch batch;
  batch.graph = MakeBatch(graphs, feature_dim);
  batch.log_p = torch::tensor(log_p, torch::kFloat);
  batch.index = torch::tensor(index, torch::kLong);
  batch.target = torch::tensor(target, torch::kFloat);
  batch.weight = torch::tensor(weight, torch::kFloat);
  batch.labelled = static_cast<int64_t>(index.size());
  return batch;
}

// Σ weight · BCE over the batch's labelled nodes.
torch::Tensor WeightedLossSum(GnnNetImpl& net, const LossBatch& b) {
  GnnNetImpl::HeadOutputs head = net.Encode(b.graph.x, b.graph.src, b.graph.dst);
  torch::Tensor logits = net.Logits(head, b.log_p).index_select(0, b.index);
  return torch::binary_cross_entropy_with_logits(logits, b.target, b.weight,
                                                 /*pos_weight=*/{}, at::Reduction::Sum);
}

// Mean weighted BCE over every labelled node of `which`.
double FullLoss(GnnNetImpl& net, const std::vector<TrainingSample>& samples,
                const std::vector<size_t>& which, int feature_dim, int chunk,
                double positive_weight, double negative_weight) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  int64_t count = 0;
  for (size_t start = 0; start < which.size(); start += chunk) {
    std::vector<size_t> part(which.begin() + start,
                             which.begin() + std::min(which.size(), start + chunk));
    LossBatch b =
        MakeLossBatch(samples, part, feature_dim, positive_weight, negative_weight);
    if (b.labelled == 0) continue;
    sum += WeightedLossSum(net, b).item<double>();
    count += b.labelled;
  }
  return count == 0 ? kNaN : sum / static_cast<double>(count);
}

// Mean and spread of every feature column over the nodes of `which`.
void SetNormalisation(const std::vector<TrainingSample>& samples,
                      const std::vector<size_t>& which, int feature_dim,
                      GnnNetImpl* net) {
  std::vector<double> sum(feature_dim, 0.0);
  std::vector<double> sum_sq(feature_dim, 0.0);
  int64_t rows = 0;
  for (size_t i : which) {
    const GraphFeatures& g = samples[i].graph;
    for (int v = 0; v < g.num_nodes; ++v, ++rows) {
      for (int c = 0; c < feature_dim; ++c) {
        const double x = g.node_features[static_cast<size_t>(v) * feature_dim + c];
        sum[c] += x;
        sum_sq[c] += x * x;
      }
    }
  }
  std::vector<float> mean(feature_dim, 0.0f);
  std::vector<float> spread(feature_dim, 1.0f);
  if (rows > 0) {
    for (int c = 0; c < feature_dim; ++c) {
      const double m = sum[c] / rows;
      const double sd = std::sqrt(std::max(0.0, sum_sq[c] / rows - m * m));
      mean[c] = static_cast<float>(m);
      spread[c] = sd < kMinFeatureStd ? 1.0f : static_cast<float>(sd);
    }
  }
  torch::NoGradGuard no_grad;
  net->feature_mean.copy_(torch::tensor(mean, torch::kFloat));
  net->feature_std.copy_(torch::tensor(spread, torch::kFloat));
}

double MaxMonotonicityIncrease(const TorchBottleneckModel& model,
                               const std::vector<TrainingSample>& samples,
                               const std::vector<size_t>& which) {
  double worst = 0;
  for (size_t i : which) {
    auto predictor = model.Prepare(samples[i].graph);
    if (!predictor.ok()) continue;  // Validated before; cannot happen.
    for (int v = 0; v < samples[i].graph.num_nodes; ++v) {
      double previous = (*predictor)->Probability(v, 1);
      for (int p = 2; p <= kMonotonicityCheckMaxParallelism; ++p) {
        const double current = (*predictor)->Probability(v, p);
        worst = std::max(worst, current - previous);
        previous = current;
      }
    }
  }
  return worst;
}

HeldOutMetrics Evaluate(const TorchBottleneckModel& model,
                        const std::vector<TrainingSample>& samples,
                        const std::vector<size_t>& which, int jobs) {
  HeldOutMetrics m;
  m.jobs = jobs;
  m.samples = static_cast<int>(which.size());
  std::vector<double> probabilities;
  std::vector<int> labels;
  for (size_t i : which) {
    const TrainingSample& s = samples[i];
    auto predictor = model.Prepare(s.graph);
    if (!predictor.ok()) continue;
    for (int v = 0; v < s.graph.num_nodes; ++v) {
      if (s.labels[v] < 0) continue;
      probabilities.push_back((*predictor)->Probability(v, s.query_parallelism[v]));
      labels.push_back(s.labels[v]);
      m.positives += s.labels[v];
    }
  }
  m.labelled_nodes = static_cast<int64_t>(labels.size());
  m.roc_auc = RocAuc(probabilities, labels);
  m.brier = BrierScore(probabilities, labels);
  return m;
}

// The training/held-out split: whole jobs are held out (distinct ids in
// sorted order, shuffled by `rng`), never single samples of a job.
struct Split {
  std::vector<size_t> train;
  std::vector<size_t> held_out;
  int held_out_jobs = 0;
};

Split SplitByJob(const std::vector<TrainingSample>& samples, double holdout_fraction,
                 std::mt19937_64* rng, TrainResult* result) {
  std::set<std::string> job_set;
  for (const TrainingSample& s : samples) job_set.insert(s.job_id);
  std::vector<std::string> jobs(job_set.begin(), job_set.end());
  std::vector<size_t> job_order(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) job_order[i] = i;
  Shuffle(&job_order, rng);
  const size_t held_out_jobs =
      std::min(jobs.size() - 1,
               static_cast<size_t>(std::llround(holdout_fraction * jobs.size())));
  absl::flat_hash_set<std::string> held_out;
  for (size_t i = 0; i < held_out_jobs; ++i) {
    held_out.insert(jobs[job_order[i]]);
    result->held_out_job_ids.push_back(jobs[job_order[i]]);
  }
  std::sort(result->held_out_job_ids.begin(), result->held_out_job_ids.end());
  Split split;
  split.held_out_jobs = static_cast<int>(held_out_jobs);
  for (size_t i = 0; i < samples.size(); ++i) {
    (held_out.contains(samples[i].job_id) ? split.held_out : split.train).push_back(i);
  }
  result->train_jobs = static_cast<int>(jobs.size() - held_out_jobs);
  result->train_samples = static_cast<int>(split.train.size());
  for (size_t i : split.train) {
    for (int y : samples[i].labels) {
      if (y < 0) continue;
      ++result->train_labelled_nodes;
      result->train_positives += y;
    }
  }
  return split;
}

// Loss weights of the two classes: each half of the loss when
// class_balanced, else 1 and 1.
std::pair<double, double> ClassWeights(const TrainResult& result, bool class_balanced) {
  const int64_t negatives = result.train_labelled_nodes - result.train_positives;
  if (!class_balanced || result.train_positives == 0 || negatives == 0) return {1, 1};
  const double n = static_cast<double>(result.train_labelled_nodes);
  return {n / (2.0 * result.train_positives), n / (2.0 * negatives)};
}

// A copy of `start`, or a new model normalised on the training samples.
absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> InitialModel(
    const std::vector<TrainingSample>& samples, const std::vector<size_t>& train,
    const TrainOptions& options, const TorchBottleneckModel* start) {
  if (start != nullptr) return start->Clone();
  GnnConfig config;
  config.feature_dim = options.feature_dim;
  config.hidden = options.hidden;
  config.layers = options.layers;
  auto created = TorchBottleneckModel::Create(config, options.seed);
  if (!created.ok()) return created.status();
  SetNormalisation(samples, train, options.feature_dim, (*created)->impl().net.get());
  return created;
}

// Adam over shuffled batches of training graphs for the configured epochs
// or max_steps, with an L2 pull towards `anchor` (the start weights) when it
// is not empty. Records steps and the per-epoch loss in `result`. CANCELLED
// when options.on_step says stop.
absl::Status RunEpochs(GnnNetImpl& net, const std::vector<TrainingSample>& samples,
                       const std::vector<size_t>& train, int feature_dim,
                       std::pair<double, double> weights,
                       const std::vector<torch::Tensor>& anchor,
                       const TrainOptions& options, std::mt19937_64* rng,
                       TrainResult* result) {
  std::vector<torch::Tensor> params = net.parameters();
  torch::optim::Adam optimizer(params,
                               torch::optim::AdamOptions(options.learning_rate));
  std::vector<size_t> order = train;
  const int64_t batches =
      (static_cast<int64_t>(order.size()) + options.batch_graphs - 1) /
      options.batch_graphs;
  int64_t total_steps = batches * options.epochs;
  if (options.max_steps > 0)
    total_steps = std::min<int64_t>(total_steps, options.max_steps);
  bool out_of_steps = false;
  for (int epoch = 1; epoch <= options.epochs && !out_of_steps; ++epoch) {
    Shuffle(&order, rng);
    double epoch_sum = 0;
    int64_t epoch_count = 0;
    for (size_t first = 0; first < order.size(); first += options.batch_graphs) {
      if (options.max_steps > 0 && result->steps >= options.max_steps) {
        out_of_steps = true;
        break;
      }
      if (options.on_step && !options.on_step(result->steps, total_steps)) {
        return absl::CancelledError(absl::StrCat(
            "training stopped after ", result->steps, " of ", total_steps, " steps"));
      }
      std::vector<size_t> part(
          order.begin() + first,
          order.begin() + std::min(order.size(), first + options.batch_graphs));
      LossBatch batch =
          MakeLossBatch(samples, part, feature_dim, weights.first, weights.second);
      if (batch.labelled == 0) continue;
      optimizer.zero_grad();
      torch::Tensor data_sum = WeightedLossSum(net, batch);
      torch::Tensor loss = data_sum / static_cast<double>(batch.labelled);
      if (!anchor.empty()) {
        torch::Tensor pull = torch::zeros({}, torch::kFloat);
        for (size_t k = 0; k < params.size(); ++k) {
          pull = pull + (params[k] - anchor[k]).pow(2).sum();
        }
        loss = loss + options.l2_pull * pull;
      }
      loss.backward();
      optimizer.step();
      ++result->steps;
      epoch_sum += data_sum.item<double>();
      epoch_count += batch.labelled;
    }
    if (epoch_count == 0) continue;
    result->epoch_loss.push_back(epoch_sum / static_cast<double>(epoch_count));
    if (options.progress) options.progress(epoch, result->epoch_loss.back());
  }
  if (options.on_step) options.on_step(result->steps, total_steps);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainResult> TrainModel(const std::vector<TrainingSample>& samples,
                                       const TrainOptions& options,
                                       const TorchBottleneckModel* start) {
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  if (samples.empty()) return absl::InvalidArgumentError("no training samples");
  const int feature_dim =
      start != nullptr ? start->config().feature_dim : options.feature_dim;
  for (size_t i = 0; i < samples.size(); ++i) {
    valid = ValidateSample(samples[i], i, feature_dim);
    if (!valid.ok()) return valid;
  }
  std::mt19937_64 rng(options.seed ^ 0x5DEECE66Dull);
  TrainResult result;
  const Split split = SplitByJob(samples, options.holdout_fraction, &rng, &result);
  if (result.train_labelled_nodes == 0) {
    return absl::FailedPreconditionError("no labelled node among the training samples");
  }
  const std::pair<double, double> weights =
      ClassWeights(result, options.class_balanced);
  try {
    if (options.threads > 0 && at::get_num_threads() != options.threads) {
      at::set_num_threads(options.threads);
    }
    absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> model =
        InitialModel(samples, split.train, options, start);
    if (!model.ok()) return model.status();
    GnnNetImpl& net = *(*model)->impl().net;
    std::vector<torch::Tensor> anchor;
    if (start != nullptr && options.l2_pull > 0) {
      for (const torch::Tensor& p : net.parameters())
        anchor.push_back(p.detach().clone());
    }
    result.initial_loss = FullLoss(net, samples, split.train, feature_dim,
                                   options.batch_graphs, weights.first, weights.second);
    absl::Status trained = RunEpochs(net, samples, split.train, feature_dim, weights,
                                     anchor, options, &rng, &result);
    if (!trained.ok()) return trained;
    result.final_loss = FullLoss(net, samples, split.train, feature_dim,
                                 options.batch_graphs, weights.first, weights.second);
    // The served model needs no gradients: free them.
    for (torch::Tensor& p : net.parameters()) p.mutable_grad() = torch::Tensor();

    result.held_out = Evaluate(**model, samples, split.held_out, split.held_out_jobs);
    result.max_monotonicity_increase = MaxMonotonicityIncrease(
        **model, samples, split.held_out.empty() ? split.train : split.held_out);
    result.model = *std::move(model);
    return result;
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("torch: ", e.what_without_backtrace()));
  }
}

}  // namespace streamtune
