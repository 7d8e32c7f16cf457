#include "storage/postgres_rows.h"

#include "absl/strings/str_cat.h"
#include "common/proto_json.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace streamtune {
namespace {

// A payload column if set, else the JSON column after it.
absl::Status ParseStored(const pqxx::row& row, int payload, absl::string_view what,
                         google::protobuf::Message* message) {
  if (!row[payload].is_null()) {
    const pqxx::binarystring bytes(row[payload]);
    if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(
          absl::StrCat("postgres: stored ", what, " payload does not parse"));
    }
    return absl::OkStatus();
  }
  return FromJson(row[payload + 1].c_str(), what, message);
}

}  // namespace

std::string SqlTimestamp(int64_t micros) {
  return google::protobuf::util::TimeUtil::ToString(FromUnixMicros(micros));
}

absl::Status FromJson(const char* json, absl::string_view what,
                      google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json, message, options).ok()) {
    return absl::InternalError(
        absl::StrCat("postgres: stored ", what, " does not parse"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> JobFromRow(const pqxx::row& row) {
  v1::Job job;
  job.set_job_id(row[0].as<std::string>());
  job.set_engine(static_cast<v1::Engine>(row[1].as<int>()));
  job.set_dag_fingerprint(row[2].as<std::string>());
  *job.mutable_first_observed_at() = FromUnixMicros(row[3].as<int64_t>());
  *job.mutable_last_observed_at() = FromUnixMicros(row[4].as<int64_t>());
  job.set_snapshot_count(row[5].as<int64_t>());
  job.set_recommendation_count(row[6].as<int64_t>());
  job.set_last_policy(row[7].as<std::string>());
  job.set_cluster_id(row[8].as<std::string>());
  job.set_model_version(row[9].as<int64_t>());
  job.set_fine_tune_pending(row[10].as<bool>());
  return job;
}

absl::StatusOr<v1::StoredSnapshot> SnapshotFromRow(const pqxx::row& row, int first) {
  v1::StoredSnapshot snapshot;
  STREAMTUNE_RETURN_IF_ERROR(ParseStored(row, first + 2, "snapshot", &snapshot));
  snapshot.set_sequence(row[first].as<int64_t>());
  *snapshot.mutable_received_at() = FromUnixMicros(row[first + 1].as<int64_t>());
  return snapshot;
}

absl::StatusOr<v1::Recommendation> RecommendationFromRow(const pqxx::row& row,
                                                         int first) {
  v1::Recommendation recommendation;
  STREAMTUNE_RETURN_IF_ERROR(
      ParseStored(row, first, "recommendation", &recommendation));
  return recommendation;
}

absl::StatusOr<v1::Model> ModelFromRow(const pqxx::row& row, int first) {
  v1::Model model;
  STREAMTUNE_RETURN_IF_ERROR(FromJson(row[first + 6].c_str(), "model", &model));
  model.set_model_id(row[first].as<std::string>());
  model.set_version(row[first + 1].as<int64_t>());
  model.set_cluster_id(row[first + 2].as<std::string>());
  model.set_kind(row[first + 3].as<std::string>());
  model.set_job_id(row[first + 4].as<std::string>());
  *model.mutable_created_at() = FromUnixMicros(row[first + 5].as<int64_t>());
  return model;
}

pqxx::binarystring Payload(const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  return pqxx::binarystring(bytes.data(), bytes.size());
}

absl::StatusOr<v1::PretrainRun> PretrainRunFromFields(
    const pqxx::field& run_id, const pqxx::field& published_micros,
    const pqxx::field& models) {
  const pqxx::binarystring bytes(models);
  v1::PretrainRun run;
  if (!run.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("pretrain_runs.models: not a PretrainRun");
  }
  run.set_run_id(run_id.as<std::string>());
  *run.mutable_published_at() = FromUnixMicros(published_micros.as<int64_t>());
  return run;
}

v1::StoredSnapshot SnapshotPayload(const v1::StoredSnapshot& snapshot) {
  v1::StoredSnapshot payload;
  *payload.mutable_snapshot() = snapshot.snapshot();
  *payload.mutable_labels() = snapshot.labels();
  return payload;
}

std::string LabelsJson(const v1::StoredSnapshot& snapshot) {
  v1::StoredSnapshot labels_only;
  *labels_only.mutable_labels() = snapshot.labels();
  return ToJson(labels_only);
}

absl::Status JobNotFound(absl::string_view job_id) {
  return absl::NotFoundError(absl::StrCat("job_id: no job \"", job_id, "\""));
}

absl::StatusOr<v1::Model> InsertModelVersion(pqxx::work& txn, const std::string& tenant,
                                             const v1::Model& model,
                                             absl::string_view weights) {
  v1::Model metrics_only;
  *metrics_only.mutable_metrics() = model.metrics();
  // Everything not kept in a column of its own (medoid, pretrain run).
  v1::Model details;
  if (model.has_medoid()) *details.mutable_medoid() = model.medoid();
  details.set_pretrain_run(model.pretrain_run());
  const pqxx::binarystring bytes(weights.data(), weights.size());
  // Version = newest + 1. A concurrent insert of the same id makes this one
  // a no-op; the next statement sees its row, so retry.
  for (int attempt = 0; attempt < 10; ++attempt) {
    pqxx::result r = txn.exec_params(
        "INSERT INTO models (tenant, model_id, version, cluster_id, kind,"
        " job_id, created_at, metrics, weights, details)"
        " SELECT $1::text, $2::text, COALESCE(MAX(version), 0) + 1,"
        " $3::text, $4::text, $5::text, clock_timestamp(),"
        " COALESCE(($6::jsonb)->'metrics', '{}'::jsonb), $7::bytea,"
        " $8::jsonb"
        " FROM models WHERE tenant = $1::text AND model_id = $2::text"
        " ON CONFLICT (tenant, model_id, version) DO NOTHING"
        " RETURNING version,"
        " (EXTRACT(EPOCH FROM created_at) * 1000000)::int8",
        tenant, model.model_id(), model.cluster_id(), model.kind(), model.job_id(),
        ToJson(metrics_only), bytes, ToJson(details));
    if (r.empty()) continue;
    v1::Model stored = model;
    stored.set_version(r[0][0].as<int64_t>());
    *stored.mutable_created_at() = FromUnixMicros(r[0][1].as<int64_t>());
    return stored;
  }
  return absl::UnavailableError(
      "postgres: PutModel kept racing other writers of the model; retry");
}

}  // namespace streamtune
