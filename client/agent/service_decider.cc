#include "client/agent/service_decider.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace streamtune::agent {
namespace {

absl::StatusOr<std::vector<int>> AlignWithSnapshot(const v1::Snapshot& snapshot,
                                                   const v1::Recommendation& answer) {
  absl::flat_hash_map<std::string, int> recommended;
  for (const auto& op : answer.operators()) {
    recommended[op.operator_id()] = op.recommended_parallelism();
  }
  std::vector<int> parallelism;
  parallelism.reserve(snapshot.operators_size());
  for (const auto& op : snapshot.operators()) {
    auto it = recommended.find(op.id());
    if (it == recommended.end()) {
      return absl::InternalError(
          absl::StrCat("recommendation has no value for operator \"", op.id(), "\""));
    }
    parallelism.push_back(it->second);
  }
  if (recommended.size() != parallelism.size()) {
    return absl::InternalError("recommendation names operators the snapshot lacks");
  }
  return parallelism;
}

// Polls the job until no fine-tuning is queued for it. A request still
// queued after `wait` is an error: the caller asked for runs that use the
// model trained through the previous decision, and silently going on would
// make them depend on the machine's speed.
absl::Status SettleFineTuning(StreamTuneClient* client, const std::string& job_id,
                              absl::Duration wait) {
  const absl::Time deadline = absl::Now() + wait;
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  absl::Duration pause = absl::Milliseconds(2);
  for (;;) {
    STREAMTUNE_ASSIGN_OR_RETURN(v1::Job job, client->GetJob(request));
    if (!job.fine_tune_pending()) return absl::OkStatus();
    if (absl::Now() + pause > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("fine-tuning of job \"", job_id,
                                                      "\" still queued after ",
                                                      absl::FormatDuration(wait)));
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

}  // namespace

Decider MakeServiceDecider(StreamTuneClient* client, ServiceDeciderOptions options) {
  return [client, options = std::move(options)](const v1::Snapshot& snapshot)
             -> absl::StatusOr<std::optional<std::vector<int>>> {
    v1::SnapshotRequest request;
    *request.mutable_snapshot() = snapshot;
    request.set_policy(options.policy);
    STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation answer, client->Recommend(request));
    if (options.observer) options.observer(snapshot, answer);
    // Only answers of a learned model (they name its cluster) queue
    // fine-tuning.
    if (options.settle_fine_tuning > absl::ZeroDuration() &&
        !answer.cluster_id().empty()) {
      STREAMTUNE_RETURN_IF_ERROR(
          SettleFineTuning(client, snapshot.job_id(), options.settle_fine_tuning));
    }
    if (!answer.apply()) return std::optional<std::vector<int>>();
    STREAMTUNE_ASSIGN_OR_RETURN(std::vector<int> parallelism,
                                AlignWithSnapshot(snapshot, answer));
    return std::optional<std::vector<int>>(std::move(parallelism));
  };
}

}  // namespace streamtune::agent
