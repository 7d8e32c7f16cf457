#include "server/core/learning/pretraining.h"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "server/core/similarity/ged_distance_matrix.h"
#include "server/core/similarity/kmedoids.h"
#include "server/core/similarity/labelled_graph.h"

namespace streamtune {
namespace {

struct JobHistory {
  std::string job_id;
  std::vector<v1::StoredSnapshot> snapshots;  // Oldest first.
};

// What the pipeline returns when asked to stop.
absl::Status Stopped(absl::string_view while_doing) {
  return absl::CancelledError(
      absl::StrCat("pre-training stopped while ", while_doing, "; nothing published"));
}

// Every job of the tenant with its whole history, except the jobs' own
// fine-tuned models' bookkeeping (there is none in snapshots).
absl::StatusOr<std::vector<JobHistory>> ReadHistory(Store* store,
                                                    absl::string_view tenant,
                                                    PretrainProgress* progress) {
  std::vector<JobHistory> jobs;
  PageRequest jobs_page{1000, ""};
  do {
    STREAMTUNE_ASSIGN_OR_RETURN(Page<v1::Job> page, store->ListJobs(tenant, jobs_page));
    for (const v1::Job& job : page.items) {
      JobHistory history{job.job_id(), {}};
      PageRequest snapshots_page{1000, ""};
      do {
        STREAMTUNE_ASSIGN_OR_RETURN(
            Page<v1::StoredSnapshot> snapshots,
            store->ListSnapshots(tenant, job.job_id(), snapshots_page));
        for (auto& s : snapshots.items) history.snapshots.push_back(std::move(s));
        snapshots_page.page_token = snapshots.next_page_token;
      } while (!snapshots_page.page_token.empty());
      jobs.push_back(std::move(history));
      progress->Advance(jobs.size(), 0);
      if (progress->StopRequested()) return Stopped("reading the history");
    }
    jobs_page.page_token = page.next_page_token;
  } while (!jobs_page.page_token.empty());
  return jobs;
}

// The DAG alone (no metrics): what a cluster's medoid keeps.
v1::Snapshot DagOnly(const v1::Snapshot& snapshot) {
  v1::Snapshot dag;
  dag.set_job_id(snapshot.job_id());
  for (const auto& op : snapshot.operators()) {
    v1::Operator* out = dag.add_operators();
    out->set_id(op.id());
    out->set_kind(op.kind());
    out->set_max_parallelism(op.max_parallelism());
  }
  *dag.mutable_edges() = snapshot.edges();
  return dag;
}

void Subsample(std::vector<TrainingSample>* samples, int max_samples, uint64_t seed) {
  if (static_cast<int>(samples->size()) <= max_samples) return;
  std::mt19937_64 random(seed);
  std::shuffle(samples->begin(), samples->end(), random);
  samples->resize(max_samples);
}

void Say(const PretrainOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

// A model's gradient steps (0: no bound): its share of the run's budget by
// samples, at least min_steps_per_model, and never above the request's cap.
int64_t StepsOf(const PretrainOptions& options, int64_t samples, int64_t all_samples) {
  int64_t steps = 0;
  if (options.training_step_budget > 0 && all_samples > 0) {
    steps = std::max<int64_t>(options.min_steps_per_model,
                              options.training_step_budget * samples / all_samples);
  }
  if (options.train.max_steps > 0 && (steps == 0 || options.train.max_steps < steps)) {
    steps = options.train.max_steps;
  }
  return steps;
}

// The jobs with labelled history and their training samples, in one order.
struct LabelledJobs {
  std::vector<JobHistory> jobs;
  std::vector<std::vector<TrainingSample>> samples;
  size_t total_samples = 0;
};

LabelledJobs KeepLabelledJobs(std::vector<JobHistory> all,
                              const SampleOptions& options) {
  LabelledJobs labelled;
  for (JobHistory& job : all) {
    std::vector<TrainingSample> job_samples =
        BuildTrainingSamples(job.snapshots, options);
    if (job_samples.empty()) continue;
    labelled.total_samples += job_samples.size();
    labelled.samples.push_back(std::move(job_samples));
    labelled.jobs.push_back(std::move(job));
  }
  return labelled;
}

// k-medoids over the normalised GED of the jobs' newest DAGs, k by
// silhouette; a cluster holds at least max(min_cluster_size, 5% of jobs).
absl::StatusOr<Clustering> ClusterJobs(const std::vector<JobHistory>& jobs,
                                       const PretrainOptions& options,
                                       PretrainProgress* progress) {
  std::vector<LabelledGraph> graphs;
  for (const JobHistory& job : jobs) {
    graphs.push_back(LabelledGraphFromSnapshot(job.snapshots.back().snapshot()));
  }
  progress->StartPhase(
      v1::PRETRAIN_PHASE_COMPUTING_DISTANCES,
      absl::StrCat("graph edit distances between ", jobs.size(), " jobs' DAGs"), 0);
  // Called after every pair (well under a millisecond each), so a cancel is
  // seen at once; the log gets a line every 20000 pairs.
  constexpr int64_t kLogEveryPairs = 20000;
  int64_t logged = 0;
  GedDistanceOptions ged_options;
  ged_options.num_threads = options.clustering_threads;
  ged_options.progress_interval = 1;
  ged_options.progress = [&](int64_t done, int64_t total) {
    progress->Advance(done, total);
    if (done - logged >= kLogEveryPairs || done == total) {
      logged = done;
      Say(options,
          absl::StrFormat("pretrain: graph edit distances %d/%d", done, total));
    }
    return !progress->StopRequested();
  };
  absl::StatusOr<RepeatedPoints> points =
      BuildDistinctGedDistances(graphs, ged_options);
  if (absl::IsCancelled(points.status())) {
    return Stopped("computing graph edit distances");
  }
  STREAMTUNE_RETURN_IF_ERROR(points.status());
  const int min_size =
      std::max(options.min_cluster_size, static_cast<int>(jobs.size() / 20));
  const int k_max =
      std::min<int>(options.k_max, std::max<int>(1, jobs.size() / min_size));
  const int k_min = std::min(options.k_min, k_max);
  progress->StartPhase(
      v1::PRETRAIN_PHASE_CLUSTERING,
      absl::StrCat("k-medoids for k in [", k_min, ", ", k_max, "], by silhouette"), 1);
  STREAMTUNE_ASSIGN_OR_RETURN(
      Clustering clustering,
      ChooseClustering(*points, k_min, k_max, min_size, options.seed,
                       options.clustering_threads));
  progress->Advance(1, 1);
  return clustering;
}

// Every sample of cluster `c`'s member jobs; `members` counts them.
std::vector<TrainingSample> SamplesOfCluster(const LabelledJobs& labelled,
                                             const Clustering& clustering, int c,
                                             int* members) {
  std::vector<TrainingSample> data;
  *members = 0;
  for (size_t j = 0; j < labelled.jobs.size(); ++j) {
    if (clustering.assignment[j] != c) continue;
    ++*members;
    data.insert(data.end(), labelled.samples[j].begin(), labelled.samples[j].end());
  }
  return data;
}

}  // namespace

absl::StatusOr<Pretrainer::TrainedRecord> Pretrainer::Train(
    const PretrainOptions& options, ModelToTrain model, int64_t max_steps,
    PretrainProgress* progress) const {
  const std::vector<TrainingSample>& data = model.data;
  const std::string& what = model.what;
  v1::Model& record = model.record;
  Say(options, absl::StrFormat("pretrain: training %s on %d samples (at most %d steps)",
                               what, data.size(), max_steps));
  progress->StartPhase(v1::PRETRAIN_PHASE_TRAINING,
                       absl::StrFormat("training %s (%d samples)", what, data.size()),
                       0);
  TrainSettings settings = options.train;
  settings.seed = options.seed;
  settings.max_steps = static_cast<int>(max_steps);
  settings.on_step = [progress](int64_t step, int64_t total) {
    progress->Advance(step, total);
    return !progress->StopRequested();
  };
  absl::StatusOr<TrainedModel> trained = trainer_->Train(data, settings, "");
  if (absl::IsCancelled(trained.status()) || progress->StopRequested()) {
    return Stopped(absl::StrCat("training ", what));
  }
  STREAMTUNE_RETURN_IF_ERROR(trained.status());
  for (const auto& [name, value] : trained->metrics)
    (*record.mutable_metrics())[name] = value;
  Say(options,
      absl::StrFormat(
          "pretrain: %s ROC-AUC %.3f, Brier %.3f", what,
          record.metrics().count("roc_auc") ? record.metrics().at("roc_auc") : -1,
          record.metrics().count("brier") ? record.metrics().at("brier") : -1));
  return TrainedRecord{std::move(record), std::move(trained->weights)};
}

absl::StatusOr<v1::PretrainResponse> Pretrainer::StoreAndPublish(
    absl::string_view tenant, const std::string& run,
    std::vector<TrainedRecord> trained, PretrainProgress* progress) const {
  progress->StartPhase(
      v1::PRETRAIN_PHASE_PUBLISHING,
      absl::StrCat("storing ", trained.size(), " models, publishing ", run),
      static_cast<int64_t>(trained.size()) + 1);
  PretrainedModels published;
  published.run = run;
  for (size_t i = 0; i < trained.size(); ++i) {
    STREAMTUNE_ASSIGN_OR_RETURN(
        v1::Model stored, models_->Put(tenant, trained[i].record, trained[i].weights));
    if (i + 1 < trained.size()) {
      published.clusters.push_back(std::move(stored));
    } else {
      published.global = std::move(stored);
    }
    progress->Advance(i + 1, trained.size() + 1);
  }
  STREAMTUNE_RETURN_IF_ERROR(models_->PublishRun(tenant, published));
  progress->Advance(trained.size() + 1, trained.size() + 1);
  v1::PretrainResponse response;
  for (const auto& model : published.clusters) *response.add_models() = model;
  *response.add_models() = *published.global;
  return response;
}

absl::StatusOr<v1::PretrainResponse> Pretrainer::Run(absl::string_view tenant,
                                                     const PretrainOptions& options,
                                                     PretrainProgress* progress) const {
  NoPretrainProgress no_progress;
  if (progress == nullptr) progress = &no_progress;
  progress->StartPhase(v1::PRETRAIN_PHASE_READING_HISTORY,
                       "reading the jobs' snapshots and building training samples", 0);
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<JobHistory> all,
                              ReadHistory(store_, tenant, progress));
  const LabelledJobs labelled = KeepLabelledJobs(std::move(all), options.samples);
  const std::vector<JobHistory>& jobs = labelled.jobs;
  if (jobs.empty()) {
    return absl::FailedPreconditionError(
        "no labelled history to learn from: report snapshots of running jobs first "
        "(streamtune-history generate makes a corpus)");
  }
  Say(options, absl::StrFormat("pretrain: %d jobs with labelled history, %d samples",
                               jobs.size(), labelled.total_samples));
  STREAMTUNE_ASSIGN_OR_RETURN(const Clustering clustering,
                              ClusterJobs(jobs, options, progress));
  Say(options, absl::StrFormat("pretrain: %d clusters (silhouette %.3f)",
                               clustering.k(), clustering.silhouette));
  if (progress->StopRequested()) return Stopped("clustering");

  const std::string run = absl::StrCat("run-", absl::ToUnixMicros(absl::Now()));
  std::vector<ModelToTrain> models;  // Clusters in order, then the global one.
  for (int c = 0; c < clustering.k(); ++c) {
    ModelToTrain& model = models.emplace_back();
    int members = 0;
    model.data = SamplesOfCluster(labelled, clustering, c, &members);
    v1::Model& record = model.record;
    record.set_model_id(absl::StrCat(run, ".cluster-", c));
    record.set_cluster_id(absl::StrCat("cluster-", c));
    record.set_kind(kClusterModelKind);
    record.set_pretrain_run(run);
    *record.mutable_medoid() =
        DagOnly(jobs[clustering.medoids[c]].snapshots.back().snapshot());
    (*record.mutable_metrics())["jobs"] = members;
    model.what = absl::StrCat("cluster ", c + 1, " of ", clustering.k());
  }
  ModelToTrain& global = models.emplace_back();
  for (const auto& job_samples : labelled.samples) {
    global.data.insert(global.data.end(), job_samples.begin(), job_samples.end());
  }
  global.record.set_model_id(absl::StrCat(run, ".global"));
  global.record.set_cluster_id("global");
  global.record.set_kind(kGlobalModelKind);
  global.record.set_pretrain_run(run);
  (*global.record.mutable_metrics())["jobs"] = jobs.size();
  global.what = "global";

  int64_t all_samples = 0;
  for (ModelToTrain& model : models) {
    Subsample(&model.data, options.max_samples_per_model, options.seed);
    all_samples += static_cast<int64_t>(model.data.size());
  }
  std::vector<TrainedRecord> trained;
  for (ModelToTrain& model : models) {
    const int64_t max_steps =
        StepsOf(options, static_cast<int64_t>(model.data.size()), all_samples);
    STREAMTUNE_ASSIGN_OR_RETURN(trained.emplace_back(),
                                Train(options, std::move(model), max_steps, progress));
  }
  // The last point of return: from here the run is stored and published.
  if (progress->StopRequested()) return Stopped("training");
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::PretrainResponse response,
      StoreAndPublish(tenant, run, std::move(trained), progress));
  Say(options, absl::StrCat("pretrain: published ", run));
  return response;
}

}  // namespace streamtune
