#include "storage/in_memory_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "common/status_macros.h"
#include "common/tenant.h"
#include "common/timestamps.h"
#include "storage/page_token.h"
#include "storage/store_util.h"

namespace streamtune {
namespace {

// Newest-first order of ListModels: created_at, then id, then version, all
// descending. Larger key = earlier in the listing.
using ModelKey = std::tuple<int64_t, std::string, int64_t>;

ModelKey KeyOf(const v1::Model& model) {
  return {ToUnixMicros(model.created_at()), model.model_id(), model.version()};
}

absl::Status JobNotFound(absl::string_view job_id) {
  return absl::NotFoundError(absl::StrCat("job_id: no job \"", job_id, "\""));
}

absl::Status ModelNotFound(absl::string_view model_id, int64_t version) {
  return absl::NotFoundError(
      absl::StrCat("model_id: no model \"", model_id, "\" version ", version));
}

// Fills a listing page as PostgresStore's byte-bounded listings do: at most
// `limit` items, and an item after the first only while the page's bytes
// stay within `max_bytes`.
class PageFiller {
 public:
  PageFiller(int limit, int64_t max_bytes) : limit_(limit), max_bytes_(max_bytes) {}
  // Whether the next item, of `bytes`, belongs on the page (then counted).
  bool Takes(int64_t bytes) {
    if (taken_ == limit_ || (taken_ > 0 && spent_ + bytes > max_bytes_)) return false;
    ++taken_;
    spent_ += bytes;
    return true;
  }

 private:
  const int limit_;
  const int64_t max_bytes_;
  int taken_ = 0;
  int64_t spent_ = 0;
};

}  // namespace

absl::Status InMemoryStore::Ping() { return absl::OkStatus(); }

InMemoryStore::JobState* InMemoryStore::FindJob(absl::string_view tenant,
                                                absl::string_view job_id) {
  auto t = tenants_.find(std::string(tenant));
  if (t == tenants_.end()) return nullptr;
  auto j = t->second.jobs.find(std::string(job_id));
  return j == t->second.jobs.end() ? nullptr : &j->second;
}

absl::StatusOr<int64_t> InMemoryStore::CheckExisting(
    absl::string_view tenant, const v1::StoredSnapshot& snapshot) {
  const v1::Snapshot& s = snapshot.snapshot();
  JobState* job = FindJob(tenant, s.job_id());
  if (job == nullptr) return 0;
  auto it = job->sequence_by_id.find(s.snapshot_id());
  if (it == job->sequence_by_id.end()) return 0;
  if (job->fingerprints[it->second - 1] != SnapshotFingerprint(s)) {
    return absl::AlreadyExistsError(
        absl::StrCat("snapshot.snapshot_id: \"", s.snapshot_id(),
                     "\" is already stored with different content"));
  }
  return it->second;
}

int64_t InMemoryStore::Insert(absl::string_view tenant,
                              const v1::StoredSnapshot& snapshot) {
  const v1::Snapshot& s = snapshot.snapshot();
  TenantState& owner = tenants_[std::string(tenant)];
  JobState& job = owner.jobs[s.job_id()];
  const int64_t sequence = static_cast<int64_t>(job.snapshots.size()) + 1;
  v1::StoredSnapshot stored;
  *stored.mutable_snapshot() = s;
  *stored.mutable_labels() = snapshot.labels();
  stored.set_sequence(sequence);
  *stored.mutable_received_at() = NowMicros();
  owner.stored_bytes += StoredSnapshotBytes(stored);
  job.snapshots.push_back(std::move(stored));
  job.fingerprints.push_back(SnapshotFingerprint(s));
  job.sequence_by_id[s.snapshot_id()] = sequence;

  const int64_t observed = ToUnixMicros(s.observed_at());
  v1::Job& summary = job.summary;
  if (sequence == 1) {
    summary.set_job_id(s.job_id());
    *summary.mutable_first_observed_at() = FromUnixMicros(observed);
    *summary.mutable_last_observed_at() = FromUnixMicros(observed);
  }
  summary.set_engine(s.engine());
  summary.set_dag_fingerprint(DagFingerprint(s));
  if (observed < ToUnixMicros(summary.first_observed_at())) {
    *summary.mutable_first_observed_at() = FromUnixMicros(observed);
  }
  if (observed > ToUnixMicros(summary.last_observed_at())) {
    *summary.mutable_last_observed_at() = FromUnixMicros(observed);
  }
  summary.set_snapshot_count(sequence);
  return sequence;
}

absl::StatusOr<PutSnapshotResult> InMemoryStore::PutSnapshot(
    absl::string_view tenant, const v1::StoredSnapshot& snapshot) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateSnapshotKey(snapshot));
  absl::MutexLock lock(&mu_);
  STREAMTUNE_ASSIGN_OR_RETURN(int64_t existing, CheckExisting(tenant, snapshot));
  PutSnapshotResult result;
  if (existing > 0) {
    result.sequence = existing;
    return result;
  }
  result.stored = true;
  result.sequence = Insert(tenant, snapshot);
  return result;
}

absl::StatusOr<v1::Recommendation> InMemoryStore::PutSnapshotAndRecommendation(
    absl::string_view tenant, const v1::StoredSnapshot& snapshot,
    const v1::Recommendation& recommendation,
    const std::optional<FineTuneRequest>& fine_tune) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateSnapshotKey(snapshot));
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::Recommendation canonical,
      CanonicalRecommendation(snapshot, recommendation, NowMicros()));
  if (fine_tune.has_value()) {
    STREAMTUNE_RETURN_IF_ERROR(ValidateFineTuneRequest(*fine_tune));
  }
  absl::MutexLock lock(&mu_);
  STREAMTUNE_ASSIGN_OR_RETURN(int64_t sequence, CheckExisting(tenant, snapshot));
  if (sequence > 0) {
    JobState* job = FindJob(tenant, snapshot.snapshot().job_id());
    auto it = job->recommendations.find(sequence);
    if (it != job->recommendations.end()) return it->second;
  } else {
    sequence = Insert(tenant, snapshot);
  }
  JobState* job = FindJob(tenant, snapshot.snapshot().job_id());
  job->recommendations[sequence] = canonical;
  v1::Job& summary = job->summary;
  summary.set_recommendation_count(summary.recommendation_count() + 1);
  summary.set_last_policy(canonical.policy());
  if (!canonical.cluster_id().empty()) {
    summary.set_cluster_id(canonical.cluster_id());
    summary.set_model_version(canonical.model_version());
  }
  if (fine_tune.has_value()) {
    QueuedFineTune& queued = fine_tunes_[{std::string(tenant), summary.job_id()}];
    queued.task.tenant = std::string(tenant);
    queued.task.job_id = summary.job_id();
    queued.task.request = *fine_tune;
    queued.task.through_sequence = sequence;
    ++queued.task.generation;
    queued.task.attempts = 0;
    queued.queued_order = ++fine_tune_order_;
    // A claim in flight keeps its lease; CompleteFineTune sees the newer
    // generation and leaves this request queued.
  }
  return canonical;
}

absl::StatusOr<std::optional<FineTuneTask>> InMemoryStore::ClaimFineTune(
    absl::Duration lease, int max_attempts) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  QueuedFineTune* oldest = nullptr;
  for (auto& [key, queued] : fine_tunes_) {
    if (queued.claimed_until > now || queued.task.attempts >= max_attempts) continue;
    if (oldest == nullptr || queued.queued_order < oldest->queued_order) {
      oldest = &queued;
    }
  }
  if (oldest == nullptr) return std::optional<FineTuneTask>();
  oldest->claimed_until = now + lease;
  ++oldest->task.attempts;
  return std::optional<FineTuneTask>(oldest->task);
}

absl::StatusOr<v1::Model> InMemoryStore::CompleteFineTune(const FineTuneTask& task,
                                                          const v1::Model& model,
                                                          absl::string_view weights) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateModel(model));
  absl::MutexLock lock(&mu_);
  v1::Model stored = AddModel(task.tenant, model, weights);
  auto it = fine_tunes_.find({task.tenant, task.job_id});
  if (it != fine_tunes_.end()) {
    if (it->second.task.generation == task.generation) {
      fine_tunes_.erase(it);
    } else {
      it->second.claimed_until = absl::InfinitePast();
    }
  }
  return stored;
}

absl::Status InMemoryStore::ReleaseFineTune(const FineTuneTask& task, bool retry) {
  absl::MutexLock lock(&mu_);
  auto it = fine_tunes_.find({task.tenant, task.job_id});
  if (it == fine_tunes_.end()) return absl::OkStatus();
  if (!retry && it->second.task.generation == task.generation) {
    fine_tunes_.erase(it);
  } else {
    it->second.claimed_until = absl::InfinitePast();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::StoredSnapshot>> InMemoryStore::SnapshotsThrough(
    absl::string_view tenant, absl::string_view job_id, int64_t through, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::StoredSnapshot> out;
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr || limit <= 0 || through <= 0) return out;
  const int64_t end = std::min<int64_t>(through, job->snapshots.size());
  const int64_t begin = std::max<int64_t>(0, end - limit);
  out.assign(job->snapshots.begin() + begin, job->snapshots.begin() + end);
  return out;
}

absl::StatusOr<int64_t> InMemoryStore::TenantStoredBytes(absl::string_view tenant) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  absl::MutexLock lock(&mu_);
  auto found = tenants_.find(std::string(tenant));
  return found == tenants_.end() ? 0 : found->second.stored_bytes;
}

absl::StatusOr<std::optional<v1::StoredSnapshot>> InMemoryStore::FindSnapshot(
    absl::string_view tenant, absl::string_view job_id, absl::string_view snapshot_id) {
  absl::MutexLock lock(&mu_);
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr) return std::nullopt;
  auto it = job->sequence_by_id.find(std::string(snapshot_id));
  if (it == job->sequence_by_id.end()) return std::nullopt;
  return job->snapshots[it->second - 1];
}

absl::StatusOr<std::optional<v1::Recommendation>> InMemoryStore::FindRecommendation(
    absl::string_view tenant, absl::string_view job_id, absl::string_view snapshot_id) {
  absl::MutexLock lock(&mu_);
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr) return std::nullopt;
  auto it = job->sequence_by_id.find(std::string(snapshot_id));
  if (it == job->sequence_by_id.end()) return std::nullopt;
  auto rec = job->recommendations.find(it->second);
  if (rec == job->recommendations.end()) return std::nullopt;
  return rec->second;
}

absl::StatusOr<std::vector<v1::StoredSnapshot>> InMemoryStore::RecentSnapshots(
    absl::string_view tenant, absl::string_view job_id, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::StoredSnapshot> out;
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr || limit <= 0) return out;
  size_t n = std::min(job->snapshots.size(), static_cast<size_t>(limit));
  out.assign(job->snapshots.end() - n, job->snapshots.end());
  return out;
}

absl::StatusOr<std::vector<v1::Recommendation>> InMemoryStore::RecentRecommendations(
    absl::string_view tenant, absl::string_view job_id, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Recommendation> out;
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr || limit <= 0) return out;
  for (auto it = job->recommendations.rbegin(); it != job->recommendations.rend();
       ++it) {
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(it->second);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

absl::StatusOr<v1::Job> InMemoryStore::GetJob(absl::string_view tenant,
                                              absl::string_view job_id) {
  absl::MutexLock lock(&mu_);
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr) return JobNotFound(job_id);
  v1::Job summary = job->summary;
  summary.set_fine_tune_pending(
      fine_tunes_.count({std::string(tenant), std::string(job_id)}) > 0);
  return summary;
}

absl::StatusOr<std::vector<v1::Job>> InMemoryStore::ListJobsAfter(
    absl::string_view tenant, absl::string_view after_job_id, int limit,
    const TimeRange& range) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Job> out;
  auto t = tenants_.find(std::string(tenant));
  if (t == tenants_.end()) return out;
  for (auto it = t->second.jobs.upper_bound(std::string(after_job_id));
       it != t->second.jobs.end() && static_cast<int>(out.size()) < limit; ++it) {
    const v1::Job& job = it->second.summary;
    if (range.Overlaps(ToUnixMicros(job.first_observed_at()),
                       ToUnixMicros(job.last_observed_at()))) {
      out.push_back(job);
    }
  }
  return out;
}

absl::StatusOr<PageRows<v1::StoredSnapshot>> InMemoryStore::ListSnapshotsAfter(
    absl::string_view tenant, absl::string_view job_id, int64_t after_sequence,
    int limit, int64_t max_bytes) {
  absl::MutexLock lock(&mu_);
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr) return JobNotFound(job_id);
  PageRows<v1::StoredSnapshot> out;
  PageFiller fill(limit, max_bytes);
  for (const v1::StoredSnapshot& s : job->snapshots) {
    if (s.sequence() <= after_sequence) continue;
    if (!fill.Takes(StoredSnapshotBytes(s))) {
      out.more = true;
      break;
    }
    out.items.push_back(s);
  }
  return out;
}

absl::StatusOr<PageRows<std::pair<int64_t, v1::Recommendation>>>
InMemoryStore::ListRecommendationsAfter(absl::string_view tenant,
                                        absl::string_view job_id,
                                        int64_t after_sequence, int limit,
                                        int64_t max_bytes, const TimeRange& range) {
  absl::MutexLock lock(&mu_);
  JobState* job = FindJob(tenant, job_id);
  if (job == nullptr) return JobNotFound(job_id);
  PageRows<std::pair<int64_t, v1::Recommendation>> out;
  PageFiller fill(limit, max_bytes);
  for (auto it = job->recommendations.upper_bound(after_sequence);
       it != job->recommendations.end(); ++it) {
    if (!range.Contains(ToUnixMicros(it->second.created_at()))) continue;
    if (!fill.Takes(RecommendationBytes(it->second))) {
      out.more = true;
      break;
    }
    out.items.emplace_back(it->first, it->second);
  }
  return out;
}

absl::StatusOr<v1::Model> InMemoryStore::PutModel(absl::string_view tenant,
                                                  const v1::Model& model,
                                                  absl::string_view weights) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateModel(model));
  absl::MutexLock lock(&mu_);
  return AddModel(tenant, model, weights);
}

v1::Model InMemoryStore::AddModel(absl::string_view tenant, const v1::Model& model,
                                  absl::string_view weights) {
  auto& versions = tenants_[std::string(tenant)].models[model.model_id()];
  ModelVersion stored{model, std::string(weights)};
  stored.model.set_version(static_cast<int64_t>(versions.size()) + 1);
  *stored.model.mutable_created_at() = FromUnixMicros(TickMicros());
  versions.push_back(std::move(stored));
  return versions.back().model;
}

absl::StatusOr<std::vector<v1::Model>> InMemoryStore::ListModelsBefore(
    absl::string_view tenant, const std::optional<ModelCursor>& before, int limit) {
  std::optional<ModelKey> bound;
  if (before)
    bound = ModelKey{before->created_micros, before->model_id, before->version};
  absl::MutexLock lock(&mu_);
  std::vector<const v1::Model*> models;
  auto t = tenants_.find(std::string(tenant));
  if (t != tenants_.end()) {
    for (const auto& [id, versions] : t->second.models) {
      for (const auto& v : versions) {
        if (!bound || KeyOf(v.model) < *bound) models.push_back(&v.model);
      }
    }
  }
  std::sort(models.begin(), models.end(), [](const v1::Model* a, const v1::Model* b) {
    return KeyOf(*a) > KeyOf(*b);
  });
  std::vector<v1::Model> out;
  for (const v1::Model* m : models) {
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(*m);
  }
  return out;
}

const InMemoryStore::ModelVersion* InMemoryStore::FindModel(absl::string_view tenant,
                                                            absl::string_view model_id,
                                                            int64_t version) {
  auto t = tenants_.find(std::string(tenant));
  if (t == tenants_.end()) return nullptr;
  auto m = t->second.models.find(std::string(model_id));
  if (m == t->second.models.end() || m->second.empty()) return nullptr;
  const auto& versions = m->second;
  if (version == 0) return &versions.back();
  if (version < 0 || version > static_cast<int64_t>(versions.size())) {
    return nullptr;
  }
  return &versions[version - 1];
}

absl::StatusOr<v1::Model> InMemoryStore::GetModel(absl::string_view tenant,
                                                  absl::string_view model_id,
                                                  int64_t version) {
  absl::MutexLock lock(&mu_);
  const ModelVersion* found = FindModel(tenant, model_id, version);
  if (found == nullptr) return ModelNotFound(model_id, version);
  return found->model;
}

absl::StatusOr<std::string> InMemoryStore::GetModelWeights(absl::string_view tenant,
                                                           absl::string_view model_id,
                                                           int64_t version) {
  absl::MutexLock lock(&mu_);
  const ModelVersion* found = FindModel(tenant, model_id, version);
  if (found == nullptr) return ModelNotFound(model_id, version);
  return found->weights;
}

absl::StatusOr<v1::PretrainRun> InMemoryStore::PutPretrainRun(
    absl::string_view tenant, const v1::PretrainRun& run) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidatePretrainRun(run));
  absl::MutexLock lock(&mu_);
  v1::PretrainRun stored = run;
  *stored.mutable_published_at() = FromUnixMicros(TickMicros());
  tenants_[std::string(tenant)].pretrain_runs.push_back(stored);
  return stored;
}

absl::StatusOr<std::optional<v1::PretrainRun>> InMemoryStore::NewestPretrainRun(
    absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  auto t = tenants_.find(std::string(tenant));
  if (t == tenants_.end() || t->second.pretrain_runs.empty()) {
    return std::optional<v1::PretrainRun>();
  }
  return std::optional<v1::PretrainRun>(t->second.pretrain_runs.back());
}

int64_t InMemoryStore::TickMicros() {
  last_model_micros_ = std::max(last_model_micros_ + 1, ToUnixMicros(NowMicros()));
  return last_model_micros_;
}

absl::StatusOr<TokenRecord> InMemoryStore::PutToken(const TokenRecord& token) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateToken(token));
  absl::MutexLock lock(&mu_);
  for (const TokenRecord& t : tokens_) {
    if (t.token_id == token.token_id) {
      return absl::AlreadyExistsError(
          absl::StrCat("token \"", token.token_id, "\" exists already"));
    }
  }
  TokenRecord stored = token;
  stored.created_at = absl::FromUnixMicros(TickMicros());
  stored.revoked_at.reset();
  tokens_.push_back(stored);
  return stored;
}

absl::StatusOr<TokenRecord> InMemoryStore::GetToken(absl::string_view token_id) {
  absl::MutexLock lock(&mu_);
  for (const TokenRecord& t : tokens_) {
    if (t.token_id == token_id) return t;
  }
  return TokenNotFound(token_id);
}

absl::StatusOr<std::vector<TokenRecord>> InMemoryStore::ListTokens(
    absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  std::vector<TokenRecord> out;
  for (const TokenRecord& t : tokens_) {
    if (tenant.empty() || t.tenant == tenant) out.push_back(t);
  }
  return out;
}

absl::StatusOr<TokenRecord> InMemoryStore::RevokeToken(absl::string_view token_id) {
  absl::MutexLock lock(&mu_);
  for (TokenRecord& t : tokens_) {
    if (t.token_id != token_id) continue;
    if (!t.revoked_at.has_value()) t.revoked_at = absl::FromUnixMicros(TickMicros());
    return t;
  }
  return TokenNotFound(token_id);
}

absl::StatusOr<TenantQuotaRecord> InMemoryStore::PutTenantQuota(
    const TenantQuotaRecord& quota) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenantQuota(quota));
  absl::MutexLock lock(&mu_);
  TenantQuotaRecord stored = quota;
  stored.updated_at = absl::FromUnixMicros(TickMicros());
  quotas_[quota.tenant] = stored;
  return stored;
}

absl::StatusOr<std::vector<TenantQuotaRecord>> InMemoryStore::ListTenantQuotas() {
  absl::MutexLock lock(&mu_);
  std::vector<TenantQuotaRecord> out;
  for (const auto& [tenant, quota] : quotas_) out.push_back(quota);
  return out;
}

absl::Status InMemoryStore::DeleteTenantQuota(absl::string_view tenant) {
  absl::MutexLock lock(&mu_);
  if (quotas_.erase(std::string(tenant)) == 0) return TenantQuotaNotFound(tenant);
  return absl::OkStatus();
}

v1::Operation* InMemoryStore::FindOperation(absl::string_view tenant,
                                            absl::string_view name) {
  auto t = tenants_.find(std::string(tenant));
  if (t == tenants_.end()) return nullptr;
  auto o = t->second.operations.find(std::string(name));
  return o == t->second.operations.end() ? nullptr : &o->second;
}

absl::StatusOr<v1::Operation> InMemoryStore::CreateOperation(
    absl::string_view tenant, const v1::Operation& operation) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateTenant(tenant, "tenant"));
  STREAMTUNE_RETURN_IF_ERROR(ValidateOperation(operation));
  absl::MutexLock lock(&mu_);
  if (FindOperation(tenant, operation.name()) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("operation \"", operation.name(), "\" exists already"));
  }
  v1::Operation stored = operation;
  *stored.mutable_create_time() = FromUnixMicros(TickMicros());
  *stored.mutable_update_time() = stored.create_time();
  stored.set_cancel_requested(false);
  tenants_[std::string(tenant)].operations[operation.name()] = stored;
  return stored;
}

absl::StatusOr<v1::Operation> InMemoryStore::GetOperation(absl::string_view tenant,
                                                          absl::string_view name) {
  absl::MutexLock lock(&mu_);
  const v1::Operation* found = FindOperation(tenant, name);
  if (found == nullptr) return OperationNotFound(name);
  return *found;
}

absl::StatusOr<v1::Operation> InMemoryStore::UpdateOperation(
    absl::string_view tenant, const v1::Operation& operation) {
  absl::MutexLock lock(&mu_);
  v1::Operation* stored = FindOperation(tenant, operation.name());
  if (stored == nullptr) return OperationNotFound(operation.name());
  if (stored->done()) return OperationAlreadyDone(operation.name());
  ApplyRunnerUpdate(operation, stored);
  *stored->mutable_update_time() = FromUnixMicros(TickMicros());
  return *stored;
}

absl::StatusOr<v1::Operation> InMemoryStore::RequestOperationCancel(
    absl::string_view tenant, absl::string_view name) {
  absl::MutexLock lock(&mu_);
  v1::Operation* stored = FindOperation(tenant, name);
  if (stored == nullptr) return OperationNotFound(name);
  if (!stored->done()) stored->set_cancel_requested(true);
  return *stored;
}

absl::StatusOr<int> InMemoryStore::FailStaleOperations(
    absl::string_view only_tenant, absl::Duration max_heartbeat_age,
    const v1::OperationError& error) {
  absl::MutexLock lock(&mu_);
  const int64_t oldest_fresh =
      TickMicros() - absl::ToInt64Microseconds(max_heartbeat_age);
  int failed = 0;
  for (auto& [tenant, state] : tenants_) {
    if (!only_tenant.empty() && tenant != only_tenant) continue;
    for (auto& [name, operation] : state.operations) {
      if (operation.done() || ToUnixMicros(operation.update_time()) >= oldest_fresh) {
        continue;
      }
      FailOperation(error, &operation);
      ++failed;
    }
  }
  return failed;
}

absl::StatusOr<std::vector<v1::Operation>> InMemoryStore::ListOperationsBefore(
    absl::string_view tenant, const std::optional<OperationCursor>& before, int limit) {
  using Key = std::pair<int64_t, std::string>;
  absl::MutexLock lock(&mu_);
  std::vector<const v1::Operation*> found;
  auto t = tenants_.find(std::string(tenant));
  if (t != tenants_.end()) {
    for (const auto& [name, operation] : t->second.operations) {
      const Key key{ToUnixMicros(operation.create_time()), name};
      if (!before || key < Key{before->created_micros, before->name}) {
        found.push_back(&operation);
      }
    }
  }
  std::sort(found.begin(), found.end(),
            [](const v1::Operation* a, const v1::Operation* b) {
              return Key{ToUnixMicros(a->create_time()), a->name()} >
                     Key{ToUnixMicros(b->create_time()), b->name()};
            });
  std::vector<v1::Operation> out;
  for (const v1::Operation* operation : found) {
    if (static_cast<int>(out.size()) == limit) break;
    out.push_back(*operation);
  }
  return out;
}

}  // namespace streamtune
