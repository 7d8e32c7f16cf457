#include "storage/store.h"

#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "storage/page_token.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// Keeps the first `page_size` of `items` (which holds up to one more) and
// returns whether there were more: the caller then encodes the next token
// from the last kept item.
template <typename T>
bool TrimToPage(std::vector<T>& items, int page_size) {
  if (static_cast<int>(items.size()) <= page_size) return false;
  items.resize(page_size);
  return true;
}

// Drops the oldest of `history` (oldest first) until the newest fit in
// `budget` bytes, as PostgresStore's decision read does.
void KeepNewestWithin(int64_t budget, std::vector<v1::StoredSnapshot>& history) {
  size_t kept = 0;
  int64_t spent = 0;
  for (auto it = history.rbegin(); it != history.rend(); ++it, ++kept) {
    spent += StoredSnapshotBytes(*it);
    if (spent > budget) break;
  }
  history.erase(history.begin(), history.end() - kept);
}

}  // namespace

absl::StatusOr<Page<v1::Job>> Store::ListJobs(absl::string_view tenant,
                                              const PageRequest& page,
                                              const TimeRange& range) {
  STREAMTUNE_RETURN_IF_ERROR(ValidatePageSize(page));
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<std::string> key,
                              DecodePageToken("jobs", page.page_token, 1));
  Page<v1::Job> out;
  STREAMTUNE_ASSIGN_OR_RETURN(
      out.items,
      ListJobsAfter(tenant, key.empty() ? "" : key[0], page.page_size + 1, range));
  if (TrimToPage(out.items, page.page_size)) {
    out.next_page_token = EncodePageToken("jobs", {out.items.back().job_id()});
  }
  return out;
}

absl::StatusOr<Page<v1::StoredSnapshot>> Store::ListSnapshots(absl::string_view tenant,
                                                              absl::string_view job_id,
                                                              const PageRequest& page) {
  STREAMTUNE_RETURN_IF_ERROR(ValidatePageSize(page));
  STREAMTUNE_ASSIGN_OR_RETURN(int64_t after,
                              DecodeInt64PageToken("snapshots", page.page_token));
  STREAMTUNE_ASSIGN_OR_RETURN(
      PageRows<v1::StoredSnapshot> rows,
      ListSnapshotsAfter(tenant, job_id, after, page.page_size, page.max_bytes));
  Page<v1::StoredSnapshot> out;
  out.items = std::move(rows.items);
  if (rows.more && !out.items.empty()) {
    out.next_page_token =
        EncodePageToken("snapshots", {absl::StrCat(out.items.back().sequence())});
  }
  return out;
}

absl::StatusOr<Page<v1::Recommendation>> Store::ListRecommendations(
    absl::string_view tenant, absl::string_view job_id, const PageRequest& page,
    const TimeRange& range) {
  STREAMTUNE_RETURN_IF_ERROR(ValidatePageSize(page));
  STREAMTUNE_ASSIGN_OR_RETURN(int64_t after,
                              DecodeInt64PageToken("recommendations", page.page_token));
  STREAMTUNE_ASSIGN_OR_RETURN(
      auto rows, ListRecommendationsAfter(tenant, job_id, after, page.page_size,
                                          page.max_bytes, range));
  Page<v1::Recommendation> out;
  if (rows.more && !rows.items.empty()) {
    out.next_page_token =
        EncodePageToken("recommendations", {absl::StrCat(rows.items.back().first)});
  }
  out.items.reserve(rows.items.size());
  for (auto& [sequence, recommendation] : rows.items) {
    out.items.push_back(std::move(recommendation));
  }
  return out;
}

absl::StatusOr<Page<v1::Model>> Store::ListModels(absl::string_view tenant,
                                                  const PageRequest& page) {
  STREAMTUNE_RETURN_IF_ERROR(ValidatePageSize(page));
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<std::string> key,
                              DecodePageToken("models", page.page_token, 3));
  std::optional<ModelCursor> before;
  if (!key.empty()) {
    before.emplace();
    STREAMTUNE_ASSIGN_OR_RETURN(before->created_micros, PageTokenInt(key[0]));
    before->model_id = key[1];
    STREAMTUNE_ASSIGN_OR_RETURN(before->version, PageTokenInt(key[2]));
  }
  Page<v1::Model> out;
  STREAMTUNE_ASSIGN_OR_RETURN(out.items,
                              ListModelsBefore(tenant, before, page.page_size + 1));
  if (TrimToPage(out.items, page.page_size)) {
    const v1::Model& last = out.items.back();
    out.next_page_token =
        EncodePageToken("models", {absl::StrCat(ToUnixMicros(last.created_at())),
                                   last.model_id(), absl::StrCat(last.version())});
  }
  return out;
}

absl::StatusOr<DecisionInputs> Store::LoadDecisionInputs(
    absl::string_view tenant, const DecisionReadRequest& request) {
  DecisionInputs inputs;
  STREAMTUNE_ASSIGN_OR_RETURN(inputs.tenant_stored_bytes, TenantStoredBytes(tenant));
  STREAMTUNE_ASSIGN_OR_RETURN(
      std::optional<v1::StoredSnapshot> stored,
      FindSnapshot(tenant, request.job_id, request.snapshot_id));
  if (stored.has_value())
    inputs.stored_fingerprint = SnapshotFingerprint(stored->snapshot());
  STREAMTUNE_ASSIGN_OR_RETURN(
      inputs.stored_recommendation,
      FindRecommendation(tenant, request.job_id, request.snapshot_id));
  const bool retry = request.snapshot_stored_suffices
                         ? inputs.stored_fingerprint.has_value()
                         : inputs.stored_recommendation.has_value();
  if (!retry) {
    STREAMTUNE_ASSIGN_OR_RETURN(
        inputs.history,
        RecentSnapshots(tenant, request.job_id, request.history_snapshots));
    KeepNewestWithin(request.history_bytes, inputs.history);
    STREAMTUNE_ASSIGN_OR_RETURN(
        inputs.recommendations,
        RecentRecommendations(tenant, request.job_id, request.history_recommendations));
  }
  for (const std::string& model_tenant : request.model_tenants) {
    STREAMTUNE_ASSIGN_OR_RETURN(inputs.run, NewestPretrainRun(model_tenant));
    if (inputs.run.has_value()) {
      inputs.run_tenant = model_tenant;
      break;
    }
  }
  if (!request.job_model_id.empty()) {
    absl::StatusOr<v1::Model> model = GetModel(tenant, request.job_model_id, 0);
    if (model.ok()) {
      inputs.job_model = *std::move(model);
    } else if (!absl::IsNotFound(model.status())) {
      return model.status();
    }
  }
  return inputs;
}

absl::StatusOr<Page<v1::Operation>> Store::ListOperations(absl::string_view tenant,
                                                          const PageRequest& page) {
  STREAMTUNE_RETURN_IF_ERROR(ValidatePageSize(page));
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<std::string> key,
                              DecodePageToken("operations", page.page_token, 2));
  std::optional<OperationCursor> before;
  if (!key.empty()) {
    before.emplace();
    STREAMTUNE_ASSIGN_OR_RETURN(before->created_micros, PageTokenInt(key[0]));
    before->name = key[1];
  }
  Page<v1::Operation> out;
  STREAMTUNE_ASSIGN_OR_RETURN(out.items,
                              ListOperationsBefore(tenant, before, page.page_size + 1));
  if (TrimToPage(out.items, page.page_size)) {
    const v1::Operation& last = out.items.back();
    out.next_page_token = EncodePageToken(
        "operations", {absl::StrCat(ToUnixMicros(last.create_time())), last.name()});
  }
  return out;
}

}  // namespace streamtune
