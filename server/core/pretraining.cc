#include "server/core/pretraining.h"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "server/core/ged_distance_matrix.h"
#include "server/core/kmedoids.h"
#include "server/core/labelled_graph.h"

namespace streamtune {
namespace {

struct JobHistory {
  std::string job_id;
  std::vector<v1::StoredSnapshot> snapshots;  // Oldest first.
};

// Every job of the tenant with its whole history, except the jobs' own
// fine-tuned models' bookkeeping (there is none in snapshots).
absl::StatusOr<std::vector<JobHistory>> ReadHistory(Store* store, absl::string_view tenant) {
  std::vector<JobHistory> jobs;
  PageRequest jobs_page{1000, ""};
  do {
    STREAMTUNE_ASSIGN_OR_RETURN(Page<v1::Job> page, store->ListJobs(tenant, jobs_page));
    for (const v1::Job& job : page.items) {
      JobHistory history{job.job_id(), {}};
      PageRequest snapshots_page{1000, ""};
      do {
        STREAMTUNE_ASSIGN_OR_RETURN(Page<v1::StoredSnapshot> snapshots,
                                    store->ListSnapshots(tenant, job.job_id(), snapshots_page));
        for (auto& s : snapshots.items) history.snapshots.push_back(std::move(s));
        snapshots_page.page_token = snapshots.next_page_token;
      } while (!snapshots_page.page_token.empty());
      jobs.push_back(std::move(history));
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

}  // namespace

absl::StatusOr<v1::PretrainResponse> Pretrainer::Run(absl::string_view tenant,
                                                     const PretrainOptions& options) const {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  STREAMTUNE_ASSIGN_OR_RETURN(std::vector<JobHistory> all, ReadHistory(store_, tenant));
  std::vector<JobHistory> jobs;
  std::vector<std::vector<TrainingSample>> samples;
  size_t total_samples = 0;
  for (JobHistory& job : all) {
    std::vector<TrainingSample> job_samples =
        BuildTrainingSamples(job.snapshots, options.samples);
    if (job_samples.empty()) continue;
    total_samples += job_samples.size();
    samples.push_back(std::move(job_samples));
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) {
    return absl::FailedPreconditionError(
        "no labelled history to learn from: report snapshots of running jobs first "
        "(streamtune-history generate makes a corpus)");
  }
  say(absl::StrFormat("pretrain: %d jobs with labelled history, %d samples", jobs.size(),
                      total_samples));

  std::vector<LabelledGraph> graphs;
  for (const JobHistory& job : jobs) {
    graphs.push_back(LabelledGraphFromSnapshot(job.snapshots.back().snapshot()));
  }
  GedDistanceOptions ged_options;
  ged_options.progress_interval = 20000;
  ged_options.progress = [&](int64_t done, int64_t total) {
    say(absl::StrFormat("pretrain: graph edit distances %d/%d", done, total));
    return true;
  };
  STREAMTUNE_ASSIGN_OR_RETURN(DistanceMatrix distances,
                              BuildGedDistanceMatrix(graphs, ged_options));
  const int min_size = std::max(options.min_cluster_size, static_cast<int>(jobs.size() / 20));
  const int k_max = std::min<int>(options.k_max, std::max<int>(1, jobs.size() / min_size));
  STREAMTUNE_ASSIGN_OR_RETURN(
      Clustering clustering,
      ChooseClustering(distances, std::min(options.k_min, k_max), k_max, min_size,
                       options.seed));
  say(absl::StrFormat("pretrain: %d clusters (silhouette %.3f)", clustering.k(),
                      clustering.silhouette));

  const std::string run = absl::StrCat("run-", absl::ToUnixMicros(absl::Now()));
  PretrainedModels published;
  published.run = run;
  auto train = [&](std::vector<TrainingSample> data, v1::Model record,
                   const std::string& what) -> absl::StatusOr<v1::Model> {
    Subsample(&data, options.max_samples_per_model, options.seed);
    say(absl::StrFormat("pretrain: training %s on %d samples", what, data.size()));
    TrainSettings settings = options.train;
    settings.seed = options.seed;
    STREAMTUNE_ASSIGN_OR_RETURN(TrainedModel trained, trainer_->Train(data, settings, ""));
    for (const auto& [name, value] : trained.metrics) (*record.mutable_metrics())[name] = value;
    record.set_pretrain_run(run);
    say(absl::StrFormat("pretrain: %s ROC-AUC %.3f, Brier %.3f", what,
                        record.metrics().count("roc_auc") ? record.metrics().at("roc_auc") : -1,
                        record.metrics().count("brier") ? record.metrics().at("brier") : -1));
    return models_->Put(tenant, record, trained.weights);
  };
  for (int c = 0; c < clustering.k(); ++c) {
    std::vector<TrainingSample> data;
    int members = 0;
    for (size_t j = 0; j < jobs.size(); ++j) {
      if (clustering.assignment[j] != c) continue;
      ++members;
      data.insert(data.end(), samples[j].begin(), samples[j].end());
    }
    v1::Model record;
    record.set_model_id(absl::StrCat(run, ".cluster-", c));
    record.set_cluster_id(absl::StrCat("cluster-", c));
    record.set_kind(kClusterModelKind);
    *record.mutable_medoid() =
        DagOnly(jobs[clustering.medoids[c]].snapshots.back().snapshot());
    (*record.mutable_metrics())["jobs"] = members;
    STREAMTUNE_ASSIGN_OR_RETURN(
        v1::Model stored, train(std::move(data), record, absl::StrCat("cluster ", c)));
    published.clusters.push_back(std::move(stored));
  }
  std::vector<TrainingSample> everything;
  for (const auto& job_samples : samples) {
    everything.insert(everything.end(), job_samples.begin(), job_samples.end());
  }
  v1::Model global;
  global.set_model_id(absl::StrCat(run, ".global"));
  global.set_cluster_id("global");
  global.set_kind(kGlobalModelKind);
  (*global.mutable_metrics())["jobs"] = jobs.size();
  STREAMTUNE_ASSIGN_OR_RETURN(published.global, train(std::move(everything), global, "global"));
  STREAMTUNE_RETURN_IF_ERROR(models_->PublishRun(tenant, published));
  v1::PretrainResponse response;
  for (const auto& model : published.clusters) *response.add_models() = model;
  *response.add_models() = *published.global;
  say(absl::StrCat("pretrain: published ", run));
  return response;
}

}  // namespace streamtune
