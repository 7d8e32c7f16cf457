#include "client/sim/engine.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace streamtune::sim {
namespace {

// An operator is saturated when its actual input reaches C(p). The throttle
// makes the bottleneck's input exactly C(p) up to rounding; allow for that.
constexpr double kSaturationTolerance = 1e-9;

double NonNegative(double value) { return std::max(0.0, value); }
double Milliseconds(double value) { return std::clamp(value, 0.0, 1000.0); }

}  // namespace

absl::StatusOr<std::unique_ptr<SimulatedEngine>> SimulatedEngine::Create(
    const Workload& workload) {
  STREAMTUNE_ASSIGN_OR_RETURN(Topology topology, Topology::Build(workload));
  return std::unique_ptr<SimulatedEngine>(
      new SimulatedEngine(workload, std::move(topology)));
}

SimulatedEngine::SimulatedEngine(const Workload& workload, Topology topology)
    : workload_(workload),
      topology_(std::move(topology)),
      timely_(workload.semantics == v1::METRIC_SEMANTICS_TIMELY),
      noise_(workload.seed, workload.noise_sd) {
  const int n = topology_.size();
  const size_t num_sources = topology_.sources().size();
  for (const OperatorSpec& op : workload_.operators) {
    parallelism_.push_back(op.parallelism);
  }
  lag_.assign(num_sources, 0.0);
  queued_.assign(n, 0.0);
  throttle_.assign(topology_.num_components(), 1.0);
  op_ticks_.assign(n, OperatorTick{});
  tick_.target_rate.assign(num_sources, 0.0);
  tick_.source_rate.assign(num_sources, 0.0);
  tick_.lag.assign(num_sources, 0.0);
  tick_.total_parallelism = total_parallelism();
  reads_.assign(num_sources, 0.0);
  reaches_saturated_.assign(n, 0);
}

int SimulatedEngine::total_parallelism() const {
  return std::accumulate(parallelism_.begin(), parallelism_.end(), 0);
}

void SimulatedEngine::Step() {
  ++now_s_;
  tick_.t = now_s_;
  tick_.total_parallelism = total_parallelism();
  for (size_t s = 0; s < topology_.sources().size(); ++s) {
    tick_.target_rate[s] = TargetRate(topology_.trace(s), now_s_);
  }
  if (InDowntime(now_s_)) {
    StepDown();
  } else {
    StepRunning();
  }
}

// §3.4: nothing is processed; the backlog grows by R(t).
void SimulatedEngine::StepDown() {
  tick_.running = false;
  tick_.backpressure_free = false;
  for (size_t s = 0; s < lag_.size(); ++s) {
    lag_[s] += tick_.target_rate[s];
    tick_.source_rate[s] = 0;
    tick_.lag[s] = lag_[s];
  }
  for (size_t v = 0; v < op_ticks_.size(); ++v) {
    op_ticks_[v] = OperatorTick{};
    op_ticks_[v].idle_ms = 1000;
    op_ticks_[v].queued = queued_[v];
  }
}

void SimulatedEngine::StepRunning() {
  const int n = topology_.size();
  const std::vector<int>& sources = topology_.sources();
  tick_.running = true;
  // §3.1 demand: a source reads everything available, up to its C(p).
  bool sources_keep_up = true;
  for (size_t s = 0; s < sources.size(); ++s) {
    const int v = sources[s];
    const double available = tick_.target_rate[s] + lag_[s];
    const double cap = topology_.model(v).Sustainable(parallelism_[v]);
    reads_[s] = std::min(available, cap);
    if (available > cap) sources_keep_up = false;
  }
  topology_.Propagate(reads_, &demand_in_, &demand_out_);
  // §3.2 throttling per weakly connected component.
  std::fill(throttle_.begin(), throttle_.end(), 1.0);
  for (int v = 0; v < n; ++v) {
    if (topology_.source_position(v) >= 0 || demand_in_[v] <= 0) continue;
    const double capacity = topology_.model(v).Sustainable(parallelism_[v]);
    double& f = throttle_[topology_.component(v)];
    f = std::min(f, capacity / demand_in_[v]);
  }
  bool throttled = false;
  for (double f : throttle_) throttled = throttled || f < kThrottledBelow;
  tick_.backpressure_free = !throttled && sources_keep_up;

  stack_.clear();
  for (int v = 0; v < n; ++v) {
    const double f = throttle_[topology_.component(v)];
    const CapacityModel& model = topology_.model(v);
    const int p = parallelism_[v];
    OperatorTick& op = op_ticks_[v];
    op.demand = demand_in_[v];
    op.input = f * demand_in_[v];
    op.output = f * demand_out_[v];
    op.busy_max_ms = model.BusyMaxMs(op.input, p);
    op.busy_avg_ms = model.BusyAvgMs(op.input, p);
    const double capacity = model.Sustainable(p);
    op.saturated = op.input > 0 && op.input >= capacity * (1 - kSaturationTolerance);
    reaches_saturated_[v] = op.saturated;
    if (op.saturated) stack_.push_back(v);
    // §4 Timely queues: grow by the excess demand, drain at spare capacity.
    if (timely_ && topology_.source_position(v) < 0) {
      queued_[v] = NonNegative(queued_[v] + demand_in_[v] - capacity);
    }
    op.queued = queued_[v];
  }
  // Operators with a directed path to a saturated operator.
  while (!stack_.empty()) {
    const int v = stack_.back();
    stack_.pop_back();
    for (const InputEdge& edge : topology_.inputs(v)) {
      if (!reaches_saturated_[edge.from]) {
        reaches_saturated_[edge.from] = 1;
        stack_.push_back(edge.from);
      }
    }
  }
  std::vector<Sample> samples(n);
  for (int v = 0; v < n; ++v) {
    OperatorTick& op = op_ticks_[v];
    const bool component_throttled =
        throttle_[topology_.component(v)] < kThrottledBelow;
    op.backpressured_ms =
        component_throttled && reaches_saturated_[v] ? 1000 - op.busy_max_ms : 0;
    const double backpressured = timely_ ? 0 : op.backpressured_ms;
    op.idle_ms = NonNegative(1000 - op.busy_avg_ms - backpressured);
    samples[v] = Sample{op.input, op.output, op.busy_max_ms, op.busy_avg_ms,
                        op.backpressured_ms};
  }
  // §3.3 lag.
  for (size_t s = 0; s < sources.size(); ++s) {
    const double read = op_ticks_[sources[s]].input;
    tick_.source_rate[s] = read;
    lag_[s] = NonNegative(lag_[s] + tick_.target_rate[s] - read);
    tick_.lag[s] = lag_[s];
  }
  window_.emplace_back(now_s_, std::move(samples));
  while (!window_.empty() &&
         window_.front().first <= now_s_ - workload_.metrics_window_s) {
    window_.pop_front();
  }
}

absl::StatusOr<bool> SimulatedEngine::Apply(const std::vector<int>& parallelism) {
  if (parallelism.size() != parallelism_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("parallelism: expected ", parallelism_.size(),
                     " values (one per operator), got ", parallelism.size()));
  }
  std::vector<int> clamped(parallelism.size());
  for (size_t v = 0; v < parallelism.size(); ++v) {
    clamped[v] =
        std::clamp(parallelism[v], 1, topology_.max_parallelism(static_cast<int>(v)));
  }
  if (clamped == parallelism_) return false;
  parallelism_ = std::move(clamped);
  restart_start_s_ = now_s_;
  restart_end_s_ = now_s_ + workload_.restart_downtime_s;
  ++restarts_;
  window_.clear();
  // A restarted dataflow starts with empty input queues: in-flight records
  // are re-read from the sources, whose backlog the lag already holds.
  std::fill(queued_.begin(), queued_.end(), 0.0);
  return true;
}

void SimulatedEngine::FillOperatorMetrics(int v, const Sample& mean,
                                          v1::OperatorMetrics* m) {
  // One draw per noisy metric, in this fixed order, for every operator.
  const double in_factor = noise_.NextFactor();
  const double out_factor = noise_.NextFactor();
  const double busy_max_factor = noise_.NextFactor();
  const double busy_avg_factor = noise_.NextFactor();
  m->set_records_in_per_s(NonNegative(mean.input * in_factor));
  m->set_records_out_per_s(NonNegative(mean.output * out_factor));
  m->set_busy_ms_per_s_max(Milliseconds(mean.busy_max_ms * busy_max_factor));
  const double busy_avg = Milliseconds(mean.busy_avg_ms * busy_avg_factor);
  m->set_busy_ms_per_s_avg(busy_avg);
  if (timely_) {
    m->set_idle_ms_per_s_avg(NonNegative(1000 - busy_avg));
    if (topology_.source_position(v) < 0) m->set_queued_records(queued_[v]);
  } else {
    const double backpressured = Milliseconds(mean.backpressured_ms);
    m->set_backpressured_ms_per_s_max(backpressured);
    m->set_idle_ms_per_s_avg(NonNegative(1000 - busy_avg - backpressured));
  }
  const int position = topology_.source_position(v);
  if (position >= 0) {
    // The simulator knows every source's backlog exactly.
    m->set_pending_records(lag_[position]);
    m->set_backlog_signal(v1::BACKLOG_SIGNAL_PENDING_RECORDS);
  }
}

absl::StatusOr<v1::Snapshot> SimulatedEngine::TakeSnapshot(
    absl::string_view job_id, absl::string_view snapshot_id) {
  if (window_.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("t=", now_s_, ": no running second in the metrics window",
                     restarting() ? " (the job is restarting)" : ""));
  }
  const int n = topology_.size();
  std::vector<Sample> mean(n);
  for (const auto& [second, samples] : window_) {
    for (int v = 0; v < n; ++v) {
      mean[v].input += samples[v].input;
      mean[v].output += samples[v].output;
      mean[v].busy_max_ms += samples[v].busy_max_ms;
      mean[v].busy_avg_ms += samples[v].busy_avg_ms;
      mean[v].backpressured_ms += samples[v].backpressured_ms;
    }
  }
  const double count = static_cast<double>(window_.size());
  v1::Snapshot snapshot;
  snapshot.set_job_id(std::string(job_id));
  snapshot.set_snapshot_id(std::string(snapshot_id));
  snapshot.set_engine(v1::ENGINE_SIMULATED);
  snapshot.set_semantics(workload_.semantics);
  snapshot.mutable_observed_at()->set_seconds(kSimulationEpochSeconds + now_s_);
  // The configured window, as an engine's metrics settings state it: a
  // policy compares seconds_since_restart with it to tell that the averages
  // still cover less than a full window after a restart (its warm-up).
  snapshot.set_window_s(workload_.metrics_window_s);
  snapshot.set_seconds_since_restart(
      static_cast<double>(std::max(0, now_s_ - restart_end_s_)));
  for (int v = 0; v < n; ++v) {
    Sample& m = mean[v];
    m.input /= count;
    m.output /= count;
    m.busy_max_ms /= count;
    m.busy_avg_ms /= count;
    m.backpressured_ms /= count;
    const OperatorSpec& spec = workload_.operators[v];
    v1::Operator* op = snapshot.add_operators();
    op->set_id(spec.id);
    op->set_kind(spec.kind);
    op->set_parallelism(parallelism_[v]);
    op->set_max_parallelism(spec.max_parallelism);
    FillOperatorMetrics(v, m, op->mutable_metrics());
  }
  for (const EdgeSpec& spec : workload_.edges) {
    v1::Edge* edge = snapshot.add_edges();
    edge->set_from(spec.from);
    edge->set_to(spec.to);
    edge->set_partitioning(spec.partitioning);
    edge->set_fraction(spec.fraction);
  }
  return snapshot;
}

}  // namespace streamtune::sim
