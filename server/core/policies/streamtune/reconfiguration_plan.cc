#include "server/core/policies/streamtune/reconfiguration_plan.h"

#include <algorithm>
#include <limits>

namespace streamtune {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Grows, step by step, the configuration a segment starting at `a` needs:
// per operator the largest requirement over [a, b + lead) ∩ [0, K).
class SegmentMax {
 public:
  SegmentMax(const PlanInput& in, int a, const std::vector<std::vector<int>>& required)
      : in_(in), required_(required), config_(in.current.size(), 1) {
    const int steps = static_cast<int>(required.size());
    for (int k = a; k < std::min(steps, a + in.lead_steps); ++k) Add(k);
  }
  // Extends the segment to end at b (called with b = a + 1, a + 2, ...).
  void ExtendTo(int b) {
    const int k = b - 1 + in_.lead_steps;
    if (k < static_cast<int>(required_.size())) Add(k);
  }
  const std::vector<int>& config() const { return config_; }
  int total() const { return total_; }

 private:
  void Add(int k) {
    total_ = 0;
    for (size_t v = 0; v < config_.size(); ++v) {
      config_[v] = std::max(config_[v], required_[k][v]);
      total_ += config_[v];
    }
  }

  const PlanInput& in_;
  const std::vector<std::vector<int>>& required_;
  std::vector<int> config_;
  int total_ = static_cast<int>(in_.current.size());
};

bool Covers(const std::vector<int>& have, const std::vector<int>& need) {
  for (size_t v = 0; v < have.size(); ++v) {
    if (have[v] < need[v]) return false;
  }
  return true;
}

struct Solution {
  double cost = kInfinity;
  int first_end = 0;
  bool first_keeps = false;
  int changes = 0;
};

// Forward dynamic programme over segment boundaries: best[b] is the
// cheapest cover of [0, b) whose last segment ends at b. With `keep_first`
// the first segment must be the running configuration.
Solution Solve(const PlanInput& in, bool keep_first) {
  const int steps = static_cast<int>(in.required.size());
  std::vector<Solution> best(steps + 1);
  int current_total = 0;
  for (int p : in.current) current_total += p;
  // One more restart for a plan that ends below the recurring peak.
  auto ending = [&](int b, const std::vector<int>& config) {
    return b == steps && !in.recurring_peak.empty() &&
                   !Covers(config, in.recurring_peak)
               ? in.restart_cost
               : 0.0;
  };
  SegmentMax kept(in, 0, in.keep_required.empty() ? in.required : in.keep_required);
  for (int b = 1; b <= steps; ++b) {
    kept.ExtendTo(b);
    if (!Covers(in.current, kept.config())) break;
    best[b] =
        Solution{current_total * b * in.step_s + ending(b, in.current), b, true, 0};
  }
  if (!keep_first) best[0].cost = 0;
  for (int a = 0; a < steps; ++a) {
    if (best[a].cost == kInfinity) continue;
    SegmentMax segment(in, a, in.required);
    for (int b = a + 1; b <= steps; ++b) {
      segment.ExtendTo(b);
      const double cost = best[a].cost + in.restart_cost +
                          segment.total() * (b - a) * in.step_s +
                          ending(b, segment.config());
      if (cost < best[b].cost) {
        best[b] = a == 0 ? Solution{cost, b, false, 1}
                         : Solution{cost, best[a].first_end, best[a].first_keeps,
                                    best[a].changes + 1};
      }
    }
  }
  return best[steps];
}

}  // namespace

ReconfigurationPlan PlanReconfigurations(const PlanInput& in) {
  const Solution any = Solve(in, false);
  ReconfigurationPlan plan;
  plan.cost = any.cost;
  plan.changes = any.changes;
  plan.hold_steps = any.first_end;
  plan.change_now = !any.first_keeps;
  plan.config = in.current;
  if (plan.change_now) {
    SegmentMax first(in, 0, in.required);
    for (int b = 1; b <= plan.hold_steps; ++b) first.ExtendTo(b);
    plan.config = first.config();
  }
  const Solution keep = Solve(in, true);
  if (keep.cost != kInfinity) plan.keep_cost = keep.cost;
  return plan;
}

}  // namespace streamtune
