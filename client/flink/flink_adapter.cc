#include "client/flink/flink_adapter.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace streamtune::flink {
namespace {

bool SleepNeverStop(absl::Duration d) {
  absl::SleepFor(d);
  return true;
}

std::string Describe(const std::map<std::string, int>& target) {
  return absl::StrJoin(target, ", ", [](std::string* out, const auto& entry) {
    absl::StrAppend(out, entry.first.substr(0, 8), "=", entry.second);
  });
}

}  // namespace

FlinkJobAdapter::FlinkJobAdapter(FlinkRestClient* rest, FlinkAdapterOptions options)
    : rest_(rest), options_(std::move(options)) {
  if (!options_.wait) options_.wait = SleepNeverStop;
  if (!options_.now) options_.now = [] { return absl::Now(); };
}

absl::StatusOr<bool> FlinkJobAdapter::AwaitDecisionPoint() {
  if (!first_point_ && !options_.wait(options_.decision_interval)) return false;
  first_point_ = false;
  current_.reset();
  absl::StatusOr<FlinkJob> job = rest_->GetJob(options_.job_id);
  if (absl::IsNotFound(job.status())) {
    LogInfo(absl::StrCat("flink job ", options_.job_id,
                         " is gone: ", job.status().message()));
    return false;
  }
  if (!job.ok()) return job.status();
  if (IsTerminalJobState(job->state)) {
    LogInfo(absl::StrCat("flink job ", options_.job_id, " ended: ", job->state));
    return false;
  }
  if (!FullyRunning(*job)) {
    current_ = JobSample{*std::move(job), {}};
    return true;
  }
  STREAMTUNE_RETURN_IF_ERROR(
      rest_->RefreshMetrics(options_.job_id, job->vertices[0].id));
  if (!options_.wait(options_.metrics_settle)) return false;
  STREAMTUNE_ASSIGN_OR_RETURN(current_, rest_->Sample(options_.job_id));
  return true;
}

absl::StatusOr<bool> FlinkJobAdapter::Restarting() {
  if (!current_.has_value()) {
    return absl::FailedPreconditionError("Restarting without a decision point");
  }
  const FlinkJob& job = current_->job;
  if (!FullyRunning(job)) {
    baseline_.reset();
    return true;
  }
  const absl::Duration running = absl::Milliseconds(job.now_ms - job.running_since_ms);
  if (running < options_.warmup || !baseline_.has_value() ||
      !SameRun(*baseline_, *current_)) {
    // The next window starts here.
    baseline_ = current_;
    return true;
  }
  return false;
}

absl::StatusOr<v1::Snapshot> FlinkJobAdapter::TakeSnapshot() {
  if (!current_.has_value() || !baseline_.has_value()) {
    return absl::FailedPreconditionError("TakeSnapshot outside a decision point");
  }
  const FlinkJob& job = current_->job;
  if (plan_run_ != job.running_since_ms) {
    // Vertex ids and edges are fixed for a job graph, but re-reading once
    // per run costs little and survives a resubmission under the same id.
    STREAMTUNE_ASSIGN_OR_RETURN(plan_, rest_->GetPlan(options_.job_id));
    STREAMTUNE_ASSIGN_OR_RETURN(plan_descriptions_,
                                rest_->GetPlanDescriptions(options_.job_id));
    plan_run_ = job.running_since_ms;
    kinds_logged_ = false;
  }
  SnapshotOptions snapshot_options;
  snapshot_options.job_id = options_.snapshot_job_id;
  snapshot_options.max_parallelism_cap = options_.max_parallelism_cap;
  snapshot_options.descriptions = &plan_descriptions_;
  snapshot_options.kind_overrides = options_.kind_overrides;
  absl::StatusOr<v1::Snapshot> snapshot =
      BuildSnapshot(*current_, &*baseline_, plan_, snapshot_options);
  if (!snapshot.ok()) {
    plan_run_ = -1;  // Re-read the plan next time.
    return snapshot.status();
  }
  if (!kinds_logged_) LogUnknownKinds(*snapshot);
  baseline_ = current_;
  last_snapshot_ = *snapshot;
  last_snapshot_run_ = job.running_since_ms;
  return snapshot;
}

void FlinkJobAdapter::LogUnknownKinds(const v1::Snapshot& snapshot) {
  kinds_logged_ = true;
  std::vector<std::string> unknown;
  for (const v1::Operator& op : snapshot.operators()) {
    if (op.kind() == v1::OPERATOR_KIND_UNSPECIFIED) {
      unknown.push_back(absl::StrCat("\"", op.name(), "\" (", op.id(), ")"));
    }
  }
  if (unknown.empty()) return;
  LogInfo(absl::StrCat("flink job ", options_.job_id, ": operator kind unknown for ",
                       absl::StrJoin(unknown, ", "),
                       " (name them in --operator_kinds; docs/engines.md)"));
}

absl::Status FlinkJobAdapter::CheckUnchangedSinceSnapshot() {
  STREAMTUNE_ASSIGN_OR_RETURN(const FlinkJob job, rest_->GetJob(options_.job_id));
  // Only Flink 2.x says; on 1.20 a PUT to another scheduler fails instead.
  if (KnownNotAdaptive(job)) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", options_.job_id, " runs on the ", job.scheduler_type,
                     " scheduler, which cannot rescale in place (the cluster needs "
                     "jobmanager.scheduler: adaptive); nothing applied"));
  }
  const v1::Snapshot& seen = *last_snapshot_;
  bool same = FullyRunning(job) && job.running_since_ms == last_snapshot_run_ &&
              static_cast<int>(job.vertices.size()) == seen.operators_size();
  for (int i = 0; same && i < seen.operators_size(); ++i) {
    same = job.vertices[i].id == seen.operators(i).id() &&
           job.vertices[i].parallelism == seen.operators(i).parallelism();
  }
  if (!same) {
    return absl::AbortedError(
        absl::StrCat("job ", options_.job_id, " changed since snapshot ",
                     seen.snapshot_id(), " (state ", job.state, ", running since ",
                     job.running_since_ms, "); nothing applied"));
  }
  return absl::OkStatus();
}

absl::Status FlinkJobAdapter::PutWithRetries(const ResourceRequirements& requirements) {
  absl::Duration backoff = options_.conflict_backoff;
  for (int attempt = 0;; ++attempt) {
    absl::Status put = rest_->PutResourceRequirements(options_.job_id, requirements);
    if (!absl::IsAborted(put) || attempt >= options_.conflict_retries) return put;
    LogWarning(absl::StrCat("flink job ", options_.job_id, ": ", put.message(),
                            "; retrying in ", absl::FormatDuration(backoff)));
    if (!options_.wait(backoff)) return put;
    backoff *= 2;
  }
}

// Checked on Flink 1.20.3, 1.20.5 and 2.3.0 (MiniCluster, adaptive scheduler
// with no cooldown between rescales): a PUT answers 200 with "{}", the job
// goes through RESTARTING (tasks redeployed from the latest checkpoint) and
// timestamps.RUNNING moves to the new run's start within seconds (2.x first
// waits for the next completed checkpoint).
absl::Status FlinkJobAdapter::AwaitRescale(const std::map<std::string, int>& target) {
  const absl::Time deadline = options_.now() + options_.rescale_timeout;
  std::string last = "no answer yet";
  while (true) {
    absl::StatusOr<FlinkJob> job = rest_->GetJob(options_.job_id);
    if (job.ok()) {
      bool done = FullyRunning(*job) && job->running_since_ms != last_snapshot_run_;
      for (const FlinkVertex& v : job->vertices) {
        auto it = target.find(v.id);
        done = done && it != target.end() && it->second == v.parallelism;
      }
      if (done) return absl::OkStatus();
      last = absl::StrCat("state ", job->state);
    } else {
      last = std::string(job.status().message());
    }
    if (options_.now() >= deadline || !options_.wait(options_.poll_interval)) break;
  }
  return absl::DeadlineExceededError(
      absl::StrCat("flink job ", options_.job_id, ": rescale to ", Describe(target),
                   " not confirmed within ",
                   absl::FormatDuration(options_.rescale_timeout), " (", last, ")"));
}

absl::StatusOr<bool> FlinkJobAdapter::Apply(const std::vector<int>& parallelism) {
  if (!last_snapshot_.has_value()) {
    return absl::FailedPreconditionError("Apply without a snapshot");
  }
  const v1::Snapshot& seen = *last_snapshot_;
  if (static_cast<int>(parallelism.size()) != seen.operators_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("got ", parallelism.size(), " values for ", seen.operators_size(),
                     " vertices; nothing applied"));
  }
  std::map<std::string, int> target;
  bool changed = false;
  for (int i = 0; i < seen.operators_size(); ++i) {
    const v1::Operator& op = seen.operators(i);
    if (parallelism[i] < 1 || parallelism[i] > op.max_parallelism()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "vertex ", op.id(), " (", op.name(), "): parallelism ", parallelism[i],
          " outside [1, ", op.max_parallelism(), "]; nothing applied"));
    }
    target[op.id()] = parallelism[i];
    changed = changed || parallelism[i] != op.parallelism();
  }
  if (!changed) return false;

  STREAMTUNE_RETURN_IF_ERROR(CheckUnchangedSinceSnapshot());
  STREAMTUNE_ASSIGN_OR_RETURN(const ResourceRequirements current,
                              rest_->GetResourceRequirements(options_.job_id));
  STREAMTUNE_ASSIGN_OR_RETURN(const ResourceRequirements wanted,
                              RequirementsFor(current, target));
  LogInfo(
      absl::StrCat("flink job ", options_.job_id, ": rescaling to ", Describe(target)));
  STREAMTUNE_RETURN_IF_ERROR(PutWithRetries(wanted));
  // Whatever happens next, the job restarts: the old window is over.
  baseline_.reset();
  last_snapshot_.reset();
  STREAMTUNE_RETURN_IF_ERROR(AwaitRescale(target));
  return true;
}

}  // namespace streamtune::flink
