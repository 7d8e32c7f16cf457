// The median of a sample, shared by the forecaster's robust spreads and the
// capacity curve's hot-key share.
#ifndef STREAMTUNE_COMMON_MEDIAN_H_
#define STREAMTUNE_COMMON_MEDIAN_H_

#include <algorithm>
#include <vector>

namespace streamtune {

// The middle value of `values` (non-empty); of an even count, the upper of
// the two middle values.
inline double Median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  return values[mid];
}

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_MEDIAN_H_
