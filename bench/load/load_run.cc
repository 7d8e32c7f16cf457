#include "bench/load/load_run.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/streamtune_client.h"

namespace streamtune::load {
namespace {

// Call `n` of thread `thread`: its own job and snapshot id, one minute after
// the previous snapshot of the job, with a slowly varying load.
v1::SnapshotRequest MakeRequest(const v1::Snapshot& base, const LoadOptions& options,
                                int thread, int64_t n) {
  v1::SnapshotRequest request;
  request.set_policy(options.policy);
  v1::Snapshot* s = request.mutable_snapshot();
  *s = base;
  const int64_t job = n / options.snapshots_per_job;
  const int64_t step = n % options.snapshots_per_job;
  s->set_job_id(absl::StrCat("load-", thread, "-", job));
  s->set_snapshot_id(absl::StrCat("s", step));
  s->mutable_observed_at()->set_seconds(base.observed_at().seconds() + 60 * step);
  s->set_seconds_since_restart(60.0 * (step + 1));
  const double load = 1.0 + 0.3 * std::sin(0.7 * static_cast<double>(n));
  for (v1::Operator& op : *s->mutable_operators()) {
    v1::OperatorMetrics* m = op.mutable_metrics();
    m->set_records_in_per_s(m->records_in_per_s() * load);
    m->set_records_out_per_s(m->records_out_per_s() * load);
    m->set_busy_ms_per_s_avg(std::min(1000.0, m->busy_ms_per_s_avg() * load));
    m->set_busy_ms_per_s_max(std::min(1000.0, m->busy_ms_per_s_max() * load));
  }
  return request;
}

}  // namespace

absl::Duration Quantile(std::vector<absl::Duration>& latencies, double q) {
  if (latencies.empty()) return absl::ZeroDuration();
  std::sort(latencies.begin(), latencies.end());
  const size_t rank =
      static_cast<size_t>(std::ceil(q * static_cast<double>(latencies.size())));
  return latencies[std::clamp<size_t>(rank, 1, latencies.size()) - 1];
}

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options,
                                   const v1::Snapshot& base) {
  if (options.concurrency < 1)
    return absl::InvalidArgumentError("concurrency: must be >= 1");
  if (options.snapshots_per_job < 1) {
    return absl::InvalidArgumentError("snapshots_per_job: must be >= 1");
  }
  ClientOptions client_options;
  client_options.target = options.target;
  client_options.tenant = options.tenant;
  client_options.call_timeout = absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> client =
      StreamTuneClient::Create(client_options);
  if (!client.ok()) return client.status();
  if (absl::Status serving = (*client)->WaitUntilServing(absl::Seconds(30));
      !serving.ok()) {
    return serving;
  }

  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + options.warmup;
  const absl::Time stop_at = measure_from + options.duration;
  absl::Mutex mu;
  std::vector<absl::Duration> latencies;
  LoadResult result;
  std::vector<std::thread> threads;
  for (int t = 0; t < options.concurrency; ++t) {
    threads.emplace_back([&, t] {
      std::vector<absl::Duration> mine;
      int64_t errors = 0;
      std::string first_error;
      for (int64_t n = 0;; ++n) {
        const absl::Time sent = absl::Now();
        if (sent >= stop_at) break;
        absl::Status status =
            (*client)->Recommend(MakeRequest(base, options, t, n)).status();
        const absl::Time received = absl::Now();
        if (sent < measure_from || received > stop_at) continue;
        if (status.ok()) {
          mine.push_back(received - sent);
        } else {
          ++errors;
          if (first_error.empty()) first_error = status.ToString();
        }
      }
      absl::MutexLock lock(&mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      result.errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  for (std::thread& thread : threads) thread.join();
  result.calls = static_cast<int64_t>(latencies.size());
  result.throughput =
      static_cast<double>(result.calls) / absl::ToDoubleSeconds(options.duration);
  result.p50 = Quantile(latencies, 0.50);
  result.p99 = Quantile(latencies, 0.99);
  return result;
}

}  // namespace streamtune::load
