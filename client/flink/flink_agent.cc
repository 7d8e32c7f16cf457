#include "client/flink/flink_agent.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/agent/agent_loop.h"
#include "client/agent/service_decider.h"
#include "client/flink/flink_adapter.h"
#include "common/logging.h"
#include "common/proto_json.h"

namespace streamtune::flink {
namespace {

// Reports what the engine does with each snapshot and answer.
class ObservedEngine : public agent::EngineAdapter {
 public:
  ObservedEngine(FlinkJobAdapter* engine, FlinkAgentMetrics* metrics,
                 bool log_snapshots)
      : engine_(engine), metrics_(metrics), log_snapshots_(log_snapshots) {}

  absl::StatusOr<bool> AwaitDecisionPoint() override {
    return engine_->AwaitDecisionPoint();
  }
  absl::StatusOr<bool> Restarting() override { return engine_->Restarting(); }
  absl::StatusOr<v1::Snapshot> TakeSnapshot() override {
    absl::StatusOr<v1::Snapshot> snapshot = engine_->TakeSnapshot();
    if (!snapshot.ok()) return snapshot;
    metrics_->ObserveSnapshot(engine_->job_id(), *snapshot);
    if (log_snapshots_) LogInfo(absl::StrCat("snapshot ", ToJson(*snapshot)));
    return snapshot;
  }
  absl::StatusOr<bool> Apply(const std::vector<int>& parallelism) override {
    absl::StatusOr<bool> applied = engine_->Apply(parallelism);
    if (applied.ok()) {
      metrics_->CountDecision(engine_->job_id(), *applied ? "applied" : "unchanged");
      LogInfo(
          absl::StrCat("flink job ", engine_->job_id(),
                       *applied ? ": rescale confirmed" : ": already at the target"));
    }
    return applied;
  }

 private:
  FlinkJobAdapter* engine_;
  FlinkAgentMetrics* metrics_;
  bool log_snapshots_;
};

std::string Summary(const v1::Snapshot& snapshot, const v1::Recommendation& answer) {
  std::map<std::string, std::string> names;
  for (const auto& op : snapshot.operators()) names[op.id()] = op.name();
  return absl::StrJoin(answer.operators(), ", ", [&](std::string* out, const auto& op) {
    absl::StrAppend(out, names[op.operator_id()], " ", op.current_parallelism(), "->",
                    op.recommended_parallelism());
  });
}

}  // namespace

FlinkAgent::FlinkAgent(FlinkAgentOptions options, HttpClient* http,
                       StreamTuneClient* service, FlinkAgentMetrics* metrics)
    : options_(std::move(options)), http_(http), service_(service), metrics_(metrics) {}

bool FlinkAgent::Wait(absl::Duration d) {
  return !stopping_.WaitForNotificationWithTimeout(d);
}

void FlinkAgent::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
}

void FlinkAgent::RunJob(const std::string& job_id) {
  FlinkRestClient rest(http_, options_.flink_rest);
  FlinkAdapterOptions adapter_options;
  adapter_options.job_id = job_id;
  adapter_options.snapshot_job_id = options_.snapshot_job_prefix + job_id;
  adapter_options.decision_interval = options_.decision_interval;
  adapter_options.warmup = options_.warmup;
  adapter_options.rescale_timeout = options_.rescale_timeout;
  adapter_options.metrics_settle = options_.metrics_settle;
  adapter_options.max_parallelism_cap = options_.max_parallelism_cap;
  adapter_options.kind_overrides = &options_.kind_overrides;
  adapter_options.wait = [this](absl::Duration d) { return Wait(d); };
  FlinkJobAdapter adapter(&rest, adapter_options);
  ObservedEngine engine(&adapter, metrics_, options_.log_snapshots);

  agent::ServiceDeciderOptions decider_options;
  decider_options.policy = options_.policy;
  decider_options.observer = [this, &job_id](const v1::Snapshot& snapshot,
                                             const v1::Recommendation& answer) {
    metrics_->ObserveRecommendation(job_id, snapshot, answer);
    LogInfo(absl::StrCat("flink job ", job_id, " ", snapshot.snapshot_id(), ": ",
                         answer.policy(), answer.fallback() ? " (fallback)" : "",
                         answer.apply() ? " recommends " : " keeps ",
                         Summary(snapshot, answer), " -- ", answer.reason()));
  };
  const agent::Decider ask = agent::MakeServiceDecider(service_, decider_options);
  const agent::Decider decide = [&](const v1::Snapshot& snapshot)
      -> absl::StatusOr<std::optional<std::vector<int>>> {
    absl::StatusOr<std::optional<std::vector<int>>> answer = ask(snapshot);
    if (!answer.ok()) return answer;
    if (!answer->has_value()) {
      metrics_->CountDecision(job_id, "kept");
    } else if (options_.dry_run) {
      metrics_->CountDecision(job_id, "dry_run");
      LogInfo(absl::StrCat("flink job ", job_id, ": dry run, nothing applied"));
      return std::optional<std::vector<int>>();
    }
    return answer;
  };

  agent::AgentLoopOptions loop_options;
  loop_options.on_error = [this, &job_id](agent::AgentStep step,
                                          const absl::Status& error) {
    metrics_->CountError(job_id, agent::AgentStepName(step));
    LogWarning(absl::StrCat("flink job ", job_id, ": ", agent::AgentStepName(step),
                            " failed: ", error.ToString()));
    return true;
  };
  LogInfo(absl::StrCat("watching flink job ", job_id,
                       options_.dry_run ? " (dry run)" : ""));
  // With on_error always true, the loop only ends when the job does or the
  // agent stops.
  (void)agent::RunAgentLoop(engine, decide, loop_options);
  LogInfo(absl::StrCat("stopped watching flink job ", job_id));
}

void FlinkAgent::DiscoverAndWatch() {
  struct Watch {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::map<std::string, Watch> watches;
  absl::flat_hash_set<std::string> ended;
  FlinkRestClient rest(http_, options_.flink_rest);
  do {
    for (auto it = watches.begin(); it != watches.end();) {
      if (!it->second.done->load()) {
        ++it;
        continue;
      }
      it->second.thread.join();
      ended.insert(it->first);
      it = watches.erase(it);
    }
    absl::StatusOr<std::vector<FlinkJobSummary>> jobs = rest.ListJobs();
    if (!jobs.ok()) {
      metrics_->CountError("", "discover");
      LogWarning(absl::StrCat("listing flink jobs failed: ", jobs.status().ToString()));
    } else {
      for (const FlinkJobSummary& job : *jobs) {
        if (IsTerminalJobState(job.state) || watches.count(job.id) > 0 ||
            ended.contains(job.id)) {
          continue;
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        watches[job.id] = Watch{std::thread([this, id = job.id, done] {
                                  RunJob(id);
                                  done->store(true);
                                }),
                                done};
      }
    }
    metrics_->SetJobsWatched(static_cast<int>(watches.size()));
  } while (Wait(options_.decision_interval));
  for (auto& [id, watch] : watches) watch.thread.join();
}

absl::Status FlinkAgent::Run() {
  LogInfo(absl::StrCat("streamtune-flink-agent: flink ", options_.flink_rest, ", ",
                       options_.job.empty() ? "every job" : "job " + options_.job,
                       options_.dry_run ? ", dry run" : ""));
  // Informational (docs/engines.md, "Flink 1.20 vs 2.x"): the agent reads
  // both lines the same way, and an unreachable cluster is retried later.
  FlinkRestClient rest(http_, options_.flink_rest);
  absl::StatusOr<std::string> version = rest.GetFlinkVersion();
  if (version.ok()) {
    LogInfo(absl::StrCat("flink ", options_.flink_rest, " runs Flink ", *version));
  } else {
    LogWarning(absl::StrCat("reading the Flink version failed: ",
                            version.status().ToString()));
  }
  if (options_.job.empty()) {
    DiscoverAndWatch();
  } else {
    metrics_->SetJobsWatched(1);
    RunJob(options_.job);
    metrics_->SetJobsWatched(0);
  }
  return absl::OkStatus();
}

}  // namespace streamtune::flink
