// Medians of a sample, shared by the forecaster (its grid step and robust
// spreads) and the capacity curve's hot-key share.
#ifndef STREAMTUNE_COMMON_MEDIAN_H_
#define STREAMTUNE_COMMON_MEDIAN_H_

#include <algorithm>
#include <vector>

namespace streamtune {

// The middle value of `values` (non-empty); of an even count, the higher of
// the two middle values. The forecaster's band has always used this one.
inline double HigherMedian(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  return values[mid];
}

// The median of `values` (non-empty); of an even count, the mean of the two
// middle values.
inline double Median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  if (values.size() % 2 == 1) return values[mid];
  return (values[mid] + *std::max_element(values.begin(), values.begin() + mid)) / 2;
}

}  // namespace streamtune

#endif  // STREAMTUNE_COMMON_MEDIAN_H_
