#include "storage/store_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tenant.h"

namespace streamtune {

int64_t StoredSnapshotBytes(const v1::StoredSnapshot& snapshot) {
  // The payload leaves out the sequence and received_at; fields serialise
  // independently, so subtracting theirs avoids copying the snapshot.
  v1::StoredSnapshot columns_of_their_own;
  columns_of_their_own.set_sequence(snapshot.sequence());
  if (snapshot.has_received_at()) {
    *columns_of_their_own.mutable_received_at() = snapshot.received_at();
  }
  return static_cast<int64_t>(snapshot.ByteSizeLong()) -
         static_cast<int64_t>(columns_of_their_own.ByteSizeLong());
}

int64_t RecommendationBytes(const v1::Recommendation& recommendation) {
  return static_cast<int64_t>(recommendation.ByteSizeLong());
}

absl::Status ValidateSnapshotKey(const v1::StoredSnapshot& snapshot) {
  if (snapshot.snapshot().job_id().empty()) {
    return absl::InvalidArgumentError("snapshot.job_id: empty");
  }
  if (snapshot.snapshot().snapshot_id().empty()) {
    return absl::InvalidArgumentError("snapshot.snapshot_id: empty");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Recommendation> CanonicalRecommendation(
    const v1::StoredSnapshot& snapshot, const v1::Recommendation& recommendation,
    const google::protobuf::Timestamp& now) {
  const v1::Snapshot& s = snapshot.snapshot();
  if (!recommendation.job_id().empty() && recommendation.job_id() != s.job_id()) {
    return absl::InvalidArgumentError(
        absl::StrCat("recommendation.job_id: \"", recommendation.job_id(),
                     "\" differs from snapshot.job_id \"", s.job_id(), "\""));
  }
  if (!recommendation.snapshot_id().empty() &&
      recommendation.snapshot_id() != s.snapshot_id()) {
    return absl::InvalidArgumentError(
        absl::StrCat("recommendation.snapshot_id: \"", recommendation.snapshot_id(),
                     "\" differs from snapshot.snapshot_id \"", s.snapshot_id(), "\""));
  }
  v1::Recommendation out = recommendation;
  out.set_job_id(s.job_id());
  out.set_snapshot_id(s.snapshot_id());
  *out.mutable_created_at() =
      recommendation.has_created_at()
          ? FromUnixMicros(ToUnixMicros(recommendation.created_at()))
          : now;
  return out;
}

absl::Status ValidateModel(const v1::Model& model) {
  if (model.model_id().empty()) {
    return absl::InvalidArgumentError("model.model_id: empty");
  }
  return absl::OkStatus();
}

absl::Status ValidatePretrainRun(const v1::PretrainRun& run) {
  if (run.run_id().empty()) return absl::InvalidArgumentError("run.run_id: empty");
  return absl::OkStatus();
}

absl::Status ValidateFineTuneRequest(const FineTuneRequest& request) {
  if (request.model_tenant.empty() || request.cluster_model_id.empty() ||
      request.cluster_model_version <= 0) {
    return absl::InvalidArgumentError(
        "fine_tune: needs the cluster model's tenant, id and version");
  }
  return absl::OkStatus();
}

absl::Status ValidateOperation(const v1::Operation& operation) {
  if (operation.name().empty()) {
    return absl::InvalidArgumentError("operation.name: empty");
  }
  return absl::OkStatus();
}

absl::Status ValidateTenantQuota(const TenantQuotaRecord& quota) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(quota.tenant, "quota.tenant"));
  // !(x >= 0) also refuses NaN.
  if (quota.calls_per_second.has_value() && !(*quota.calls_per_second >= 0)) {
    return absl::InvalidArgumentError(
        "quota.calls_per_second: must be >= 0 (0: unlimited)");
  }
  if (quota.burst.has_value() && !(*quota.burst >= 1)) {
    return absl::InvalidArgumentError("quota.burst: must be >= 1");
  }
  if (quota.stored_bytes.has_value() && *quota.stored_bytes < 0) {
    return absl::InvalidArgumentError(
        "quota.stored_bytes: must be >= 0 (0: unlimited)");
  }
  return absl::OkStatus();
}

absl::Status ValidateToken(const TokenRecord& token) {
  const auto all_of = [](absl::string_view text, auto allowed) {
    return std::all_of(text.begin(), text.end(), allowed);
  };
  const auto id_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (token.token_id.size() < 8 || token.token_id.size() > 32 ||
      !all_of(token.token_id, id_char)) {
    return absl::InvalidArgumentError(
        "token.token_id: must be 8 to 32 characters of [a-z0-9]");
  }
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(token.tenant, "token.tenant"));
  if (token.role != "tenant" && token.role != "admin") {
    return absl::InvalidArgumentError(
        absl::StrCat("token.role: \"", token.role, "\" is neither tenant nor admin"));
  }
  const auto hex_char = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  };
  if (token.secret_sha256.size() != 64 || !all_of(token.secret_sha256, hex_char)) {
    return absl::InvalidArgumentError(
        "token.secret_sha256: must be 64 lower-case hex digits");
  }
  return absl::OkStatus();
}

absl::Status TokenNotFound(absl::string_view token_id) {
  return absl::NotFoundError(absl::StrCat("token_id: no token \"", token_id, "\""));
}

absl::Status TenantQuotaNotFound(absl::string_view tenant) {
  return absl::NotFoundError(
      absl::StrCat("tenant: \"", tenant, "\" has no quota override"));
}

absl::Status OperationNotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat("name: no operation \"", name, "\""));
}

absl::Status OperationAlreadyDone(absl::string_view name) {
  return absl::FailedPreconditionError(
      absl::StrCat("operation \"", name, "\" is done already"));
}

void ApplyRunnerUpdate(const v1::Operation& update, v1::Operation* stored) {
  *stored->mutable_metadata() = update.metadata();
  stored->set_done(update.done());
  stored->set_state(update.state());
  stored->clear_error();
  stored->clear_response();
  if (update.has_error()) *stored->mutable_error() = update.error();
  if (update.has_response()) *stored->mutable_response() = update.response();
}

void FailOperation(const v1::OperationError& error, v1::Operation* stored) {
  stored->set_done(true);
  stored->set_state(v1::FAILED);
  stored->clear_response();
  *stored->mutable_error() = error;
}

}  // namespace streamtune
