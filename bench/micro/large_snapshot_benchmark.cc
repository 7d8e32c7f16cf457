// What a replica spends on jobs of large snapshots (issue 14): the real
// streamtuned on a private PostgreSQL, jobs whose every snapshot is about
// 1 MB (1000 operators with 1000-character names), each with 40 stored
// snapshots before the measured calls. Reports per-call latency (compare
// with BM_GetJob), the server's peak resident set after concurrent
// Recommend calls, and the size of one ListSnapshots response.
//
// Arguments after the benchmark's own go to streamtuned, so the bound can
// be compared with the unbounded read of before (docs/benchmark.md):
//   build/bench/micro/streamtune_large_snapshot_benchmark
//   build/bench/micro/streamtune_large_snapshot_benchmark --history_bytes=1099511627776

#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/micro/service_stack.h"
#include "benchmark/benchmark.h"
#include "client/streamtune_client.h"

namespace streamtune {
namespace {

constexpr int kOperators = 1000;
constexpr int kNameBytes = 1000;
constexpr int kStoredHistory = 40;
constexpr int kJobs = 8;  // One per thread of the widest run.

struct Stack : bench::ServiceStack {
  v1::Snapshot base;  // About 1 MB.
  std::vector<int64_t> next_snapshot = std::vector<int64_t>(kJobs, 0);
};

Stack* stack = nullptr;

// A chain source -> maps -> sink whose operator names are random letters
// (PostgreSQL's compression cannot shrink them, as it cannot real names and
// metrics of this size).
v1::Snapshot LargeSnapshot() {
  std::mt19937 random(14);
  std::uniform_int_distribution<int> letter('a', 'z');
  v1::Snapshot s;
  s.set_engine(v1::ENGINE_FLINK);
  s.set_window_s(10);
  s.set_seconds_since_restart(600);
  for (int i = 0; i < kOperators; ++i) {
    v1::Operator* op = s.add_operators();
    op->set_id(absl::StrCat("op-", i));
    std::string name(kNameBytes, ' ');
    for (char& c : name) c = static_cast<char>(letter(random));
    op->set_name(name);
    op->set_kind(i == 0                ? v1::OPERATOR_KIND_SOURCE
                 : i == kOperators - 1 ? v1::OPERATOR_KIND_SINK
                                       : v1::OPERATOR_KIND_MAP);
    op->set_parallelism(4);
    op->set_max_parallelism(128);
    v1::OperatorMetrics* m = op->mutable_metrics();
    m->set_records_in_per_s(1000);
    m->set_records_out_per_s(1000);
    m->set_busy_ms_per_s_max(400 + i % 100);
    m->set_busy_ms_per_s_avg(350);
    m->set_backpressured_ms_per_s_max(0);
    m->set_idle_ms_per_s_avg(600);
    if (i > 0) {
      v1::Edge* e = s.add_edges();
      e->set_from(absl::StrCat("op-", i - 1));
      e->set_to(op->id());
      e->set_partitioning(v1::PARTITIONING_REBALANCE);
    }
  }
  return s;
}

v1::SnapshotRequest Request(int job, const std::string& policy) {
  const int64_t k = stack->next_snapshot[job]++;
  v1::SnapshotRequest request;
  v1::Snapshot& s = *request.mutable_snapshot();
  s = stack->base;
  s.set_job_id(absl::StrCat("large-", job));
  s.set_snapshot_id(absl::StrCat("s", k));
  s.mutable_observed_at()->set_seconds(1700000000 + 60 * k);
  s.mutable_operators(1)->mutable_metrics()->set_records_in_per_s(1000 + k);
  request.set_policy(policy);
  return request;
}

// kB of the server's /proc status field `field` (VmRSS, VmHWM).
double ServerKb(const char* field) {
  std::ifstream status(absl::StrCat("/proc/", stack->server->pid(), "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, field)) {
      double kb = 0;
      const std::string value = line.substr(line.find(':') + 1);
      if (absl::SimpleAtod(absl::StripSuffix(absl::StripAsciiWhitespace(value), " kB"),
                           &kb))
        return kb;
    }
  }
  return -1;
}

absl::Status StartStack(Stack* s, const std::vector<std::string>& server_args) {
  bench::ServiceStackOptions options;
  options.source_dir = STREAMTUNE_SOURCE_DIR;
  options.server_binary = STREAMTUNE_SERVER_BINARY;
  options.name = "large_bench";
  options.tenant = "large-bench";
  options.server_args = server_args;
  options.server_args.push_back("--fine_tune_workers=0");
  if (absl::Status up = bench::StartServiceStack(options, s); !up.ok()) return up;
  s->base = LargeSnapshot();
  std::fprintf(stderr, "large-bench: snapshots of %zu bytes; storing %d x %d...\n",
               s->base.ByteSizeLong(), kJobs, kStoredHistory);
  for (int job = 0; job < kJobs; ++job) {
    for (int i = 0; i < kStoredHistory; ++i) {
      auto stored = s->client->ReportSnapshot(Request(job, ""));
      if (!stored.ok()) return stored.status();
    }
  }
  return absl::OkStatus();
}

void BM_GetJob(benchmark::State& state) {
  v1::GetJobRequest request;
  request.set_job_id("large-0");
  for (auto _ : state) {
    auto job = stack->client->GetJob(request);
    if (!job.ok()) state.SkipWithError(job.status().ToString().c_str());
  }
}
BENCHMARK(BM_GetJob)->Unit(benchmark::kMillisecond)->UseRealTime();

// Each thread decides on a job of its own; every call a new snapshot.
// Google Benchmark's time of a threaded run is wall time over every
// thread's iterations (a throughput); `call_ms` is the latency one caller
// sees, averaged over the threads.
void BM_RecommendDs2(benchmark::State& state) {
  const int job = state.thread_index();
  absl::Duration calls;
  for (auto _ : state) {
    v1::SnapshotRequest request = Request(job, "ds2");
    const absl::Time start = absl::Now();
    auto answer = stack->client->Recommend(request);
    calls += absl::Now() - start;
    if (!answer.ok()) state.SkipWithError(answer.status().ToString().c_str());
  }
  state.counters["call_ms"] = benchmark::Counter(
      absl::ToDoubleMilliseconds(calls) / static_cast<double>(state.iterations()),
      benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) {
    state.counters["server_rss_MB"] = ServerKb("VmRSS:") / 1024;
    state.counters["server_peak_rss_MB"] = ServerKb("VmHWM:") / 1024;
  }
}
BENCHMARK(BM_RecommendDs2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(6)
    ->Threads(1)
    ->Threads(4)
    ->Threads(8);

// A retried call: the stored answer, no history read.
void BM_RecommendRetried(benchmark::State& state) {
  const v1::SnapshotRequest request = Request(0, "ds2");
  (void)stack->client->Recommend(request);
  for (auto _ : state) {
    auto answer = stack->client->Recommend(request);
    if (!answer.ok()) state.SkipWithError(answer.status().ToString().c_str());
  }
}
BENCHMARK(BM_RecommendRetried)->Unit(benchmark::kMillisecond)->UseRealTime();

// One default page (100 snapshots asked for): the response's size.
void BM_ListSnapshotsPage(benchmark::State& state) {
  v1::ListSnapshotsRequest request;
  request.set_job_id("large-1");
  size_t bytes = 0;
  for (auto _ : state) {
    auto page = stack->client->ListSnapshots(request);
    if (!page.ok()) {
      state.SkipWithError(page.status().ToString().c_str());
      break;
    }
    bytes = page->ByteSizeLong();
  }
  state.counters["response_MB"] = static_cast<double>(bytes) / (1 << 20);
}
BENCHMARK(BM_ListSnapshotsPage)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace streamtune

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<std::string> server_args(argv + 1, argv + argc);
  streamtune::stack = new streamtune::Stack;
  if (absl::Status s = streamtune::StartStack(streamtune::stack, server_args);
      !s.ok()) {
    std::fprintf(stderr, "large-bench: %s\n", s.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "large-bench: server resident set before the calls: %.0f MB\n",
               streamtune::ServerKb("VmRSS:") / 1024);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete streamtune::stack;  // Stops the server and PostgreSQL.
  return 0;
}
