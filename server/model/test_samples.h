// Test-only synthetic training data with a known rule: operator v is a
// bottleneck at parallelism p exactly when its target input rate exceeds its
// per-instance capacity times p. Features come from real snapshots through
// ExtractFeatures, so the tests exercise the serving feature path.
#ifndef STREAMTUNE_SERVER_MODEL_TEST_SAMPLES_H_
#define STREAMTUNE_SERVER_MODEL_TEST_SAMPLES_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "server/core/graph/job_graph.h"
#include "server/core/learning/bottleneck_model.h"
#include "server/core/learning/features.h"
#include "server/core/testing/test_snapshots.h"

namespace streamtune::testing {

// `jobs` chains of 2 to 5 operators (source, then map / filter / flat-map /
// keyed aggregate, the last a sink), `per_job` samples each. A job has one
// source rate and one per-instance capacity per operator; each sample
// observes it healthy at a parallelism giving 30–90% busy, and queries every
// operator at a random parallelism around its break-even point.
inline std::vector<TrainingSample> SyntheticSamples(int jobs, int per_job,
                                                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  const v1::OperatorKind middle[] = {v1::OPERATOR_KIND_MAP, v1::OPERATOR_KIND_FILTER,
                                     v1::OPERATOR_KIND_FLAT_MAP,
                                     v1::OPERATOR_KIND_KEYED_AGGREGATE};
  std::vector<TrainingSample> samples;
  for (int j = 0; j < jobs; ++j) {
    const int length = 2 + static_cast<int>(rng() % 4);
    const double source_rate = std::exp(uniform(std::log(1e3), std::log(1e5)));
    std::vector<v1::OperatorKind> kinds;
    std::vector<double> capacity;  // Records per second per instance.
    for (int v = 0; v < length; ++v) {
      kinds.push_back(v == 0            ? v1::OPERATOR_KIND_SOURCE
                      : v == length - 1 ? v1::OPERATOR_KIND_SINK
                                        : middle[rng() % 4]);
      capacity.push_back(std::exp(uniform(std::log(500.0), std::log(5e4))));
    }
    for (int k = 0; k < per_job; ++k) {
      v1::Snapshot s = EmptySnapshot("s" + std::to_string(k));
      s.set_job_id("job" + std::to_string(j));
      std::vector<double> rate(length);
      double in = source_rate;
      for (int v = 0; v < length; ++v) {
        rate[v] = in;
        const double selectivity = kinds[v] == v1::OPERATOR_KIND_SINK       ? 0.0
                                   : kinds[v] == v1::OPERATOR_KIND_FILTER   ? 0.5
                                   : kinds[v] == v1::OPERATOR_KIND_FLAT_MAP ? 2.0
                                                                            : 1.0;
        const int observed = std::max(
            1, static_cast<int>(std::ceil(in / (uniform(0.3, 0.9) * capacity[v]))));
        v1::Operator* op = AddOperator(&s, "op" + std::to_string(v), kinds[v], observed,
                                       /*max_parallelism=*/1 << 15);
        SetLoad(op, in, in * selectivity, 1000.0 * in / (capacity[v] * observed));
        if (v == 0) op->mutable_metrics()->set_pending_records(0);
        if (v > 0) {
          AddEdge(&s, "op" + std::to_string(v - 1), "op" + std::to_string(v),
                  kinds[v] == v1::OPERATOR_KIND_KEYED_AGGREGATE
                      ? v1::PARTITIONING_HASH
                      : v1::PARTITIONING_REBALANCE);
        }
        in *= selectivity;
      }
      const JobGraph graph(s);
      TrainingSample sample;
      sample.graph = ExtractFeatures(graph, nullptr, 300);
      sample.job_id = s.job_id();
      for (int v = 0; v < length; ++v) {
        const double ratio = rate[v] / capacity[v];
        const int p = std::max(
            1, static_cast<int>(std::lround(ratio * std::exp(uniform(-1.5, 1.5)))));
        sample.query_parallelism.push_back(p);
        sample.labels.push_back(rate[v] > capacity[v] * p ? 1 : 0);
      }
      samples.push_back(std::move(sample));
    }
  }
  return samples;
}

}  // namespace streamtune::testing

#endif  // STREAMTUNE_SERVER_MODEL_TEST_SAMPLES_H_
