#include "client/sim/noise.h"

#include <cmath>

namespace streamtune::sim {
namespace {

// Uniform in (0, 1]: the top 53 bits, shifted off zero so log() is finite.
double UnitOpenClosed(std::mt19937_64& generator) {
  return (static_cast<double>(generator() >> 11) + 1.0) * 0x1.0p-53;
}

}  // namespace

NoiseSource::NoiseSource(int64_t seed, double sd)
    : generator_(static_cast<uint64_t>(seed)), sd_(sd) {}

double NoiseSource::NextStandardNormal() {
  const double u1 = UnitOpenClosed(generator_);
  const double u2 = UnitOpenClosed(generator_);
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

double NoiseSource::NextFactor() {
  const double z = NextStandardNormal();
  return 1.0 + sd_ * z;
}

}  // namespace streamtune::sim
