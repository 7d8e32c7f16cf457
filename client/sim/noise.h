// NoiseSource: the metric noise of docs/simulator.md §4, ε ~ Normal(0, sd), from
// std::mt19937_64 seeded with the workload seed and the Box–Muller transform
// written out here (std::normal_distribution is implementation-defined, so
// its values could change with the standard library). Thread-compatible.
#ifndef STREAMTUNE_CLIENT_SIM_NOISE_H_
#define STREAMTUNE_CLIENT_SIM_NOISE_H_

#include <cstdint>
#include <random>

namespace streamtune::sim {

class NoiseSource {
 public:
  NoiseSource(int64_t seed, double sd);

  // The next standard normal value. Every call consumes exactly two 64-bit
  // outputs of the generator (the sine half of Box–Muller is discarded), so
  // the n-th draw depends only on the seed and n.
  double NextStandardNormal();
  // The next multiplicative factor 1 + ε with ε ~ Normal(0, sd). With sd == 0
  // returns 1 and still consumes a draw, keeping the stream position.
  double NextFactor();

  double sd() const { return sd_; }

 private:
  std::mt19937_64 generator_;
  double sd_;
};

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_NOISE_H_
