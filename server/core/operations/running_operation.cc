#include "server/core/operations/running_operation.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/timestamps.h"
#include "google/protobuf/util/time_util.h"

namespace streamtune {
namespace {

using google::protobuf::util::TimeUtil;

// Attempts at the final write before the operation is left to the lease.
constexpr int kFinalWriteAttempts = 5;

google::protobuf::Timestamp ToProto(absl::Time time) {
  return FromUnixMicros(absl::ToUnixMicros(time));
}

v1::OperationError ErrorOf(absl::StatusCode code, absl::string_view message) {
  v1::OperationError error;
  error.set_code(static_cast<int>(code));
  error.set_message(std::string(message));
  return error;
}

}  // namespace

RunningOperation::RunningOperation(Store* store, TuningCore* core, std::string tenant,
                                   v1::Operation stored,
                                   absl::Duration heartbeat_interval)
    : store_(store),
      core_(core),
      tenant_(std::move(tenant)),
      name_(stored.name()),
      request_(stored.request()),
      heartbeat_interval_(heartbeat_interval) {
  absl::MutexLock lock(&mu_);
  progress_ = stored.metadata();
  phase_start_ = absl::Now();
  *progress_.mutable_phase_started_at() = ToProto(phase_start_);
}

RunningOperation::~RunningOperation() {
  if (worker_.joinable()) worker_.join();
}

void RunningOperation::Start() {
  heartbeat_ = std::thread([this] { Heartbeat(); });
  worker_ = std::thread([this] { Work(); });
}

void RunningOperation::RequestStop(StopReason reason) {
  {
    absl::MutexLock lock(&mu_);
    if (stop_reason_ == StopReason::kNone) stop_reason_ = reason;
  }
  stop_ = true;
}

bool RunningOperation::WaitUntilFinished(absl::Time deadline) {
  return finished_.WaitForNotificationWithDeadline(deadline);
}

void RunningOperation::StartPhase(v1::PretrainPhase phase, std::string description,
                                  int64_t total) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  ClosePhase(now);
  progress_.set_phase(phase);
  progress_.set_description(std::move(description));
  progress_.set_done(0);
  progress_.set_total(total);
  progress_.clear_eta();
  phase_start_ = now;
  *progress_.mutable_phase_started_at() = ToProto(now);
  phase_changed_ = true;
}

void RunningOperation::ClosePhase(absl::Time now) {
  if (progress_.phase() == v1::PRETRAIN_PHASE_UNSPECIFIED ||
      progress_.phase() == v1::PRETRAIN_PHASE_QUEUED) {
    return;
  }
  v1::PhaseTiming* timing = progress_.add_finished_phases();
  timing->set_phase(progress_.phase());
  timing->set_description(progress_.description());
  timing->set_seconds(absl::ToDoubleSeconds(now - phase_start_));
}

void RunningOperation::Advance(int64_t done, int64_t total) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  progress_.set_done(done);
  progress_.set_total(total);
  if (done > 0 && total >= done) {
    // The pace so far, kept for the rest of the phase.
    const absl::Duration left =
        (now - phase_start_) * (static_cast<double>(total - done) / done);
    *progress_.mutable_eta() =
        TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(left));
  }
}

v1::Operation RunningOperation::Current() const {
  v1::Operation operation;
  operation.set_name(name_);
  operation.set_state(v1::RUNNING);
  absl::MutexLock lock(&mu_);
  *operation.mutable_metadata() = progress_;
  return operation;
}

void RunningOperation::Heartbeat() {
  auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return phase_changed_ || pipeline_returned_;
  };
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&wake), heartbeat_interval_);
      if (pipeline_returned_) return;
      phase_changed_ = false;
    }
    absl::StatusOr<v1::Operation> stored = store_->UpdateOperation(tenant_, Current());
    if (stored.ok()) {
      if (stored->cancel_requested()) RequestStop(StopReason::kCancelled);
    } else if (absl::IsFailedPrecondition(stored.status()) ||
               absl::IsNotFound(stored.status())) {
      // Failed by another replica (our heartbeat went stale) or deleted:
      // nothing of ours may be published any more.
      RequestStop(StopReason::kEndedElsewhere);
    } else {
      LogWarning(absl::StrCat("operation ", name_,
                              ": heartbeat not written: ", stored.status().ToString()));
    }
  }
}

v1::Operation RunningOperation::Finished(
    const absl::StatusOr<v1::PretrainResponse>& result) {
  {
    // The phase the pipeline ended in is listed with the finished ones.
    absl::MutexLock lock(&mu_);
    ClosePhase(absl::Now());
    progress_.clear_eta();
  }
  v1::Operation operation = Current();
  operation.set_done(true);
  if (result.ok()) {
    operation.set_state(v1::SUCCEEDED);
    *operation.mutable_response() = *result;
    return operation;
  }
  StopReason reason;
  {
    absl::MutexLock lock(&mu_);
    reason = stop_reason_;
  }
  const absl::Status& status = result.status();
  if (absl::IsCancelled(status) && reason == StopReason::kCancelled) {
    operation.set_state(v1::CANCELLED);
    *operation.mutable_error() = ErrorOf(status.code(), status.message());
  } else if (absl::IsCancelled(status) && reason == StopReason::kShutdown) {
    operation.set_state(v1::FAILED);
    *operation.mutable_error() =
        ErrorOf(absl::StatusCode::kUnavailable,
                absl::StrCat("the server shut down during pre-training (",
                             status.message(), "); start it again"));
  } else {
    operation.set_state(v1::FAILED);
    *operation.mutable_error() = ErrorOf(status.code(), status.message());
  }
  return operation;
}

void RunningOperation::WriteFinal(const v1::Operation& operation) {
  for (int attempt = 1; attempt <= kFinalWriteAttempts; ++attempt) {
    absl::StatusOr<v1::Operation> stored = store_->UpdateOperation(tenant_, operation);
    if (stored.ok()) {
      LogInfo(absl::StrCat("operation ", name_, " (tenant ", tenant_, ") ",
                           v1::OperationState_Name(operation.state()),
                           operation.has_error()
                               ? absl::StrCat(": ", operation.error().message())
                               : ""));
      return;
    }
    if (absl::IsFailedPrecondition(stored.status()) ||
        absl::IsNotFound(stored.status())) {
      LogWarning(absl::StrCat("operation ", name_,
                              " ended elsewhere: ", stored.status().ToString()));
      return;
    }
    LogWarning(absl::StrCat("operation ", name_, ": final state not written (attempt ",
                            attempt, "): ", stored.status().ToString()));
    absl::SleepFor(absl::Milliseconds(200) * attempt);
  }
}

void RunningOperation::Work() {
  absl::StatusOr<v1::PretrainResponse> result =
      core_->Pretrain(tenant_, request_, this);
  {
    absl::MutexLock lock(&mu_);
    pipeline_returned_ = true;
  }
  heartbeat_.join();
  bool ended_elsewhere;
  {
    absl::MutexLock lock(&mu_);
    ended_elsewhere = stop_reason_ == StopReason::kEndedElsewhere;
  }
  if (!ended_elsewhere) WriteFinal(Finished(result));
  finished_.Notify();
}

}  // namespace streamtune
