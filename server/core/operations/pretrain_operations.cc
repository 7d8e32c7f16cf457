#include "server/core/operations/pretrain_operations.h"

#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/tenant.h"
#include "common/timestamps.h"
#include "server/core/operations/running_operation.h"
#include "server/core/request_validation.h"

namespace streamtune {
namespace {

constexpr int32_t kDefaultPageSize = 100;

// "operations/pretrain-" and 16 random hex digits.
std::string NewOperationName() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* random = new absl::BitGen;
  absl::MutexLock lock(&mu);
  return absl::StrFormat("operations/pretrain-%016x", absl::Uniform<uint64_t>(*random));
}

absl::Status ValidateName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("name: required");
  return absl::OkStatus();
}

std::string Key(absl::string_view tenant, absl::string_view name) {
  return absl::StrCat(tenant, "/", name);
}

// What an operation whose replica stopped ends with.
v1::OperationError StaleError(absl::Duration lease) {
  v1::OperationError error;
  error.set_code(static_cast<int>(absl::StatusCode::kAborted));
  error.set_message(absl::StrCat("the replica running it stopped (no heartbeat for ",
                                 absl::FormatDuration(lease),
                                 "); nothing was published: start again"));
  return error;
}

}  // namespace

PretrainOperations::PretrainOperations(Store* store, TuningCore* core,
                                       PretrainOperationsOptions options)
    : store_(store), core_(core), options_(options) {}

PretrainOperations::~PretrainOperations() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<v1::Operation> PretrainOperations::Start(
    absl::string_view tenant, const v1::PretrainRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(core_->ValidatePretrain(tenant, request));
  absl::MutexLock lock(&mu_);
  if (shutting_down_) {
    return absl::UnavailableError("the server is shutting down; try another replica");
  }
  ReapFinished();
  int busy = 0;
  std::string busy_name;
  for (const auto& [key, running] : running_) {
    if (!running->busy()) continue;
    ++busy;
    busy_name = running->name();
  }
  if (busy >= options_.max_running) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this replica already runs ", busy, " pre-training operation(s) (",
                     busy_name, "); wait for it, cancel it, or try another replica"));
  }
  v1::Operation operation;
  operation.set_name(NewOperationName());
  operation.set_state(v1::RUNNING);
  *operation.mutable_request() = request;
  operation.mutable_metadata()->set_phase(v1::PRETRAIN_PHASE_QUEUED);
  operation.mutable_metadata()->set_description("waiting for the runner thread");
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation stored,
                              store_->CreateOperation(tenant, operation));
  auto running = std::make_unique<RunningOperation>(
      store_, core_, std::string(tenant), stored, options_.heartbeat_interval);
  running->Start();
  running_[Key(tenant, stored.name())] = std::move(running);
  LogInfo(absl::StrCat("operation ", stored.name(), " (tenant ", tenant,
                       "): pre-training started"));
  return stored;
}

bool PretrainOperations::FailStaleIfExpired(absl::string_view tenant,
                                            const v1::Operation& seen) {
  if (seen.done()) return false;
  const absl::Time heartbeat = absl::FromUnixMicros(ToUnixMicros(seen.update_time()));
  if (absl::Now() - heartbeat <= options_.lease) return false;
  absl::StatusOr<int> failed =
      store_->FailStaleOperations(tenant, options_.lease, StaleError(options_.lease));
  return failed.ok() && *failed > 0;
}

absl::StatusOr<int> PretrainOperations::FailStale() {
  return store_->FailStaleOperations("", options_.lease, StaleError(options_.lease));
}

absl::StatusOr<v1::Operation> PretrainOperations::Get(
    absl::string_view tenant, const v1::GetOperationRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "metadata x-streamtune-tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateName(request.name()));
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation operation,
                              store_->GetOperation(tenant, request.name()));
  if (FailStaleIfExpired(tenant, operation)) {
    return store_->GetOperation(tenant, request.name());
  }
  return operation;
}

absl::StatusOr<v1::ListOperationsResponse> PretrainOperations::List(
    absl::string_view tenant, const v1::ListOperationsRequest& request) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "metadata x-streamtune-tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidatePageSize(request.page_size(), "page_size"));
  const PageRequest page{
      request.page_size() == 0 ? kDefaultPageSize : request.page_size(),
      request.page_token()};
  STREAMTUNE_ASSIGN_OR_RETURN(Page<v1::Operation> listed,
                              store_->ListOperations(tenant, page));
  bool failed_any = false;
  for (const v1::Operation& operation : listed.items) {
    if (FailStaleIfExpired(tenant, operation)) {
      failed_any = true;
      break;  // One call fails every stale operation of the tenant.
    }
  }
  if (failed_any) {
    STREAMTUNE_ASSIGN_OR_RETURN(listed, store_->ListOperations(tenant, page));
  }
  v1::ListOperationsResponse response;
  for (v1::Operation& operation : listed.items) {
    *response.add_operations() = std::move(operation);
  }
  response.set_next_page_token(listed.next_page_token);
  return response;
}

absl::StatusOr<v1::Operation> PretrainOperations::Cancel(
    absl::string_view tenant, const v1::CancelOperationRequest& request) {
  v1::GetOperationRequest get;
  get.set_name(request.name());
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation operation, Get(tenant, get));
  if (operation.done()) return operation;
  {
    // Running here: no need to wait for the next heartbeat.
    absl::MutexLock lock(&mu_);
    auto it = running_.find(Key(tenant, request.name()));
    if (it != running_.end()) it->second->RequestStop(StopReason::kCancelled);
  }
  return store_->RequestOperationCancel(tenant, request.name());
}

void PretrainOperations::ReapFinished() {
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second->finished()) {
      it = running_.erase(it);  // Joins its worker, which has returned.
    } else {
      ++it;
    }
  }
}

void PretrainOperations::Shutdown(absl::Duration grace) {
  std::map<std::string, std::unique_ptr<RunningOperation>> running;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    running.swap(running_);
  }
  const absl::Time deadline = absl::Now() + grace;
  for (auto& [key, operation] : running) operation->RequestStop(StopReason::kShutdown);
  for (auto& [key, operation] : running) {
    if (!operation->WaitUntilFinished(deadline)) {
      LogWarning(absl::StrCat("operation ", operation->name(),
                              " did not stop within the shutdown grace; waiting"));
    }
  }
  running.clear();  // Joins every thread.
}

}  // namespace streamtune
