#include "client/history/exploration.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "client/history/ds2_estimate.h"

namespace streamtune::history {

Explorer::Explorer(const ExplorationOptions& options)
    : options_(options), random_(options.seed) {}

// Uniform draws written out (no std distributions) so a seed gives the same
// sequence with every standard library.
double Explorer::Uniform(double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(random_() >> 11) * 0x1.0p-53;
}

double Explorer::LogUniform(double lo, double hi) {
  return std::exp(Uniform(std::log(lo), std::log(hi)));
}

std::vector<int> Explorer::NextFocus(int operators) {
  if (static_cast<int>(focus_cycle_.size()) != operators) {
    focus_cycle_.clear();
    focus_next_ = 0;
  }
  std::vector<int> focus;
  const int wanted = Uniform(0, 1) < options_.second_focus_probability ? 2 : 1;
  while (static_cast<int>(focus.size()) < std::min(wanted, operators)) {
    if (focus_next_ >= focus_cycle_.size()) {  // Start a new shuffled round.
      focus_cycle_.resize(operators);
      for (int i = 0; i < operators; ++i) focus_cycle_[i] = i;
      for (int i = operators - 1; i > 0; --i) {
        std::swap(focus_cycle_[i],
                  focus_cycle_[random_() % static_cast<uint64_t>(i + 1)]);
      }
      focus_next_ = 0;
    }
    const int v = focus_cycle_[focus_next_++];
    if (std::find(focus.begin(), focus.end(), v) == focus.end()) focus.push_back(v);
  }
  return focus;
}

absl::StatusOr<std::optional<std::vector<int>>> Explorer::Decide(
    const v1::Snapshot& snapshot) {
  const int n = snapshot.operators_size();
  if (n == 0) return absl::InvalidArgumentError("snapshot.operators: empty");
  const v1::Snapshot* previous = previous_.has_value() ? &*previous_ : nullptr;
  const std::vector<int> estimate =
      EstimateNeededParallelism(snapshot, previous, options_.catch_up_s);
  previous_ = snapshot;

  if (snapshot.seconds_since_restart() < snapshot.window_s()) {
    last_move_ = ExplorationMove::kHoldStabilising;
    return std::optional<std::vector<int>>();
  }
  if (Uniform(0, 1) < options_.keep_probability) {
    last_move_ = ExplorationMove::kKeep;
    return std::optional<std::vector<int>>();
  }
  if (Uniform(0, 1) < options_.random_probability) {
    last_move_ = ExplorationMove::kRandom;
  } else {
    const int cycle = std::max(0, options_.under_per_over) + 1;
    last_move_ = draws_++ % cycle == cycle - 1 ? ExplorationMove::kOver
                                               : ExplorationMove::kUnder;
  }

  std::vector<bool> focused(n, false);
  if (last_move_ == ExplorationMove::kUnder) {
    // Prefer focus operators that can go below their estimate at all.
    std::vector<int> focus;
    for (int tries = 0; tries < n && focus.empty(); ++tries) {
      focus = NextFocus(n);
      focus.erase(std::remove_if(focus.begin(), focus.end(),
                                 [&](int v) { return estimate[v] < 2; }),
                  focus.end());
    }
    for (int v : focus) focused[v] = true;
  }

  std::vector<int> parallelism(n);
  for (int v = 0; v < n; ++v) {
    const int max_p = std::max(1, snapshot.operators(v).max_parallelism());
    const int centre = estimate[v];
    int p;
    if (last_move_ == ExplorationMove::kRandom) {
      p = static_cast<int>(std::lround(
          centre * LogUniform(options_.min_multiplier, options_.max_multiplier)));
    } else if (focused[v]) {
      p = static_cast<int>(std::lround(
          centre * LogUniform(options_.min_multiplier, options_.under_max)));
      p = std::min(p, centre - 1);
    } else {
      p = static_cast<int>(
          std::lround(centre * LogUniform(options_.over_min, options_.max_multiplier)));
      p = std::max(p, centre + 1);
    }
    parallelism[v] = std::clamp(p, 1, max_p);
  }
  return std::optional<std::vector<int>>(std::move(parallelism));
}

agent::Decider MakeExplorationDecider(const ExplorationOptions& options) {
  auto explorer = std::make_shared<Explorer>(options);
  return
      [explorer](const v1::Snapshot& snapshot) { return explorer->Decide(snapshot); };
}

}  // namespace streamtune::history
