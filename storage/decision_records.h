// What one tuning decision reads and writes, and the fine-tuning work it may
// leave behind: the record types of the Store's hot-path methods
// (storage/store.h), kept apart so that the interface stays readable.
#ifndef STREAMTUNE_STORAGE_DECISION_RECORDS_H_
#define STREAMTUNE_STORAGE_DECISION_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "streamtune/v1/admin.pb.h"
#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/service.pb.h"

namespace streamtune {

// What Store::LoadDecisionInputs reads for one snapshot of one job.
struct DecisionReadRequest {
  std::string job_id;
  std::string snapshot_id;
  int history_snapshots = 128;
  int history_recommendations = 32;
  // Tenants whose newest pre-training run serves the job, in order of
  // preference (the job's own tenant, then a shared one); empty: no run is
  // read.
  std::vector<std::string> model_tenants;
  // The model whose newest version's metadata is wanted (the job's
  // fine-tuned model); empty: none.
  std::string job_model_id;
  // The history is bounded in bytes as well as in count: the newest
  // snapshots are taken while their sizes (StoredSnapshotBytes) add up to at
  // most this, so a job of large snapshots costs a bounded read and parse.
  int64_t history_bytes = int64_t{8} << 20;
  // Which stored record makes the history (and the recent answers)
  // unnecessary, so a retry reads and parses none of it: the answer
  // (Recommend, false) or the snapshot itself (ReportSnapshot, true).
  bool snapshot_stored_suffices = false;
};

// Everything a decision needs from the store, read in one round trip.
struct DecisionInputs {
  // SnapshotFingerprint of the snapshot already stored under the id, if any.
  std::optional<std::string> stored_fingerprint;
  // The answer already stored for the snapshot (a retry), if any.
  std::optional<v1::Recommendation> stored_recommendation;
  // The job's most recent snapshots and recommendations, oldest first.
  // Both empty when the stored record named by snapshot_stored_suffices
  // exists (a retry needs neither).
  std::vector<v1::StoredSnapshot> history;
  std::vector<v1::Recommendation> recommendations;
  // The newest pre-training run of the first of `model_tenants` that has one,
  // and that tenant.
  std::optional<v1::PretrainRun> run;
  std::string run_tenant;
  // Newest version of `job_model_id` (metadata only), if any.
  std::optional<v1::Model> job_model;
  // Store::TenantStoredBytes of the tenant, for the stored-bytes quota.
  int64_t tenant_stored_bytes = 0;
};

// A job's request to have its model fine-tuned from a cluster model on its
// own history, written with the decision that asked for it.
struct FineTuneRequest {
  std::string model_tenant;  // Where the cluster model is stored.
  std::string cluster_model_id;
  int64_t cluster_model_version = 0;
};

// One claimed unit of fine-tuning work (Store::ClaimFineTune).
struct FineTuneTask {
  std::string tenant;
  std::string job_id;
  FineTuneRequest request;
  // Train on the job's snapshots up to this sequence (the snapshot whose
  // decision asked), so every replica trains on the same data.
  int64_t through_sequence = 0;
  // Bumped whenever the job asks again; completing an older generation
  // leaves the newer request queued.
  int64_t generation = 0;
  int attempts = 0;  // Claims so far, this one included.
};

}  // namespace streamtune

#endif  // STREAMTUNE_STORAGE_DECISION_RECORDS_H_
