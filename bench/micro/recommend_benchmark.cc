// One full Recommend on a warm server: the real streamtuned binary on a
// private PostgreSQL, called over loopback gRPC. Before the benchmarks run,
// main() starts the stack, generates a small history, pre-trains models with
// a bounded number of steps, and warms the job up, so every iteration is the
// steady state of a tuned job: validate, store the snapshot and its labels,
// read the job's history, match the cluster, fine-tune on the new
// observation, predict, store the answer.
//
// The server runs as in production: TLS with a bearer token, connecting to
// PostgreSQL as an ordinary role that owns the tables, so the tables'
// row-level security applies (a superuser would skip it). A plaintext twin
// (--insecure_local_only, same database) runs the *Plaintext benchmarks:
// their ratio to the TLS ones is what TLS and the token cost per call.
//
// BM_GetJob (one round trip and one indexed read) is the baseline: report
// the others as multiples of it. Run by hand (not in ctest):
//   build/bench/micro/streamtune_recommend_benchmark

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/micro/service_stack.h"
#include "benchmark/benchmark.h"
#include "client/agent/agent_loop.h"
#include "client/history/history_generator.h"
#include "client/sim/generator.h"
#include "client/sim/sim_adapter.h"
#include "client/streamtune_client.h"

namespace streamtune {
namespace {

constexpr char kTenant[] = "recommend-bench";

struct Stack : bench::ServiceStack {
  // Snapshots of a simulated job, replayed with fresh ids.
  std::vector<v1::Snapshot> snapshots;
};

Stack* stack = nullptr;

// The snapshots a static configuration of a generated chain produces.
absl::StatusOr<std::vector<v1::Snapshot>> SimulatedSnapshots() {
  absl::StatusOr<sim::Workload> workload = sim::GenerateWorkload("chain", 11);
  if (!workload.ok()) return workload.status();
  auto engine = sim::SimulatedEngineAdapter::Create(*workload, "bench-job");
  if (!engine.ok()) return engine.status();
  std::vector<v1::Snapshot> snapshots;
  const agent::Decider keep =
      [&](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
    snapshots.push_back(s);
    return std::nullopt;
  };
  absl::Status run = agent::RunAgentLoop(**engine, keep);
  if (!run.ok()) return run;
  return snapshots;
}

absl::Status StartStack(Stack* s) {
  bench::ServiceStackOptions options;
  options.source_dir = STREAMTUNE_SOURCE_DIR;
  options.server_binary = STREAMTUNE_SERVER_BINARY;
  options.name = "recommend_bench";
  options.tenant = kTenant;
  options.plaintext_twin = true;
  if (absl::Status up = bench::StartServiceStack(options, s); !up.ok()) return up;

  std::fprintf(stderr, "recommend-bench: generating history and pre-training...\n");
  history::HistoryOptions history;
  history.jobs = 24;
  history.count_labels = false;
  if (auto stats = history::GenerateHistory(history, s->client.get()); !stats.ok()) {
    return stats.status();
  }
  v1::PretrainRequest pretrain;
  pretrain.set_max_training_steps(300);
  if (auto models = s->client->Pretrain(pretrain); !models.ok()) return models.status();
  auto snapshots = SimulatedSnapshots();
  if (!snapshots.ok()) return snapshots.status();
  s->snapshots = *std::move(snapshots);
  return absl::OkStatus();
}

// Snapshot `k` of the replay for `job`: the simulated metrics, a fresh id
// and time, so every call is a new observation of a long-running job.
v1::SnapshotRequest Request(const std::string& job, const std::string& policy,
                            int64_t k) {
  v1::SnapshotRequest request;
  v1::Snapshot& s = *request.mutable_snapshot();
  s = stack->snapshots[k % stack->snapshots.size()];
  s.set_job_id(job);
  s.set_snapshot_id(absl::StrCat("b", k));
  s.mutable_observed_at()->set_seconds(1700000000 + 60 * k);
  request.set_policy(policy);
  return request;
}

void RecommendLoop(benchmark::State& state, const std::string& policy,
                   StreamTuneClient* client = nullptr) {
  if (client == nullptr) client = stack->client.get();
  const std::string job =
      absl::StrCat("job-", policy, client == stack->client.get() ? "" : "-plaintext");
  int64_t k = 0;
  for (int warm = 0; warm < 20; ++warm)
    (void)client->Recommend(Request(job, policy, k++));
  for (auto _ : state) {
    auto answer = client->Recommend(Request(job, policy, k++));
    if (!answer.ok()) state.SkipWithError(answer.status().ToString().c_str());
  }
}

void GetJobLoop(benchmark::State& state, StreamTuneClient* client) {
  (void)client->Recommend(Request("job-get", "ds2", 0));
  v1::GetJobRequest request;
  request.set_job_id("job-get");
  for (auto _ : state) {
    auto job = client->GetJob(request);
    if (!job.ok()) state.SkipWithError(job.status().ToString().c_str());
  }
}

void BM_GetJob(benchmark::State& state) { GetJobLoop(state, stack->client.get()); }
BENCHMARK(BM_GetJob)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GetJobPlaintext(benchmark::State& state) {
  GetJobLoop(state, stack->plaintext_client.get());
}
BENCHMARK(BM_GetJobPlaintext)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RecommendDs2(benchmark::State& state) { RecommendLoop(state, "ds2"); }
BENCHMARK(BM_RecommendDs2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RecommendDs2Plaintext(benchmark::State& state) {
  RecommendLoop(state, "ds2", stack->plaintext_client.get());
}
BENCHMARK(BM_RecommendDs2Plaintext)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RecommendStreamTune(benchmark::State& state) {
  RecommendLoop(state, "streamtune");
}
BENCHMARK(BM_RecommendStreamTune)->Unit(benchmark::kMillisecond)->UseRealTime();

// A retried call: the stored answer, nothing recomputed.
void BM_RecommendRetried(benchmark::State& state) {
  const v1::SnapshotRequest request = Request("job-retry", "streamtune", 0);
  (void)stack->client->Recommend(request);
  for (auto _ : state) {
    auto answer = stack->client->Recommend(request);
    if (!answer.ok()) state.SkipWithError(answer.status().ToString().c_str());
  }
}
BENCHMARK(BM_RecommendRetried)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace streamtune

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  streamtune::stack = new streamtune::Stack;
  if (absl::Status s = streamtune::StartStack(streamtune::stack); !s.ok()) {
    std::fprintf(stderr, "recommend-bench: %s\n", s.ToString().c_str());
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete streamtune::stack;  // Stops the server and PostgreSQL.
  return 0;
}
