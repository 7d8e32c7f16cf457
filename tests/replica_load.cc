#include "tests/replica_load.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/local/loopback.h"

namespace streamtune::testing {

v1::Snapshot VariedSnapshot(const v1::Snapshot& base, absl::string_view job_id, int i,
                            double phase) {
  v1::Snapshot s = base;
  s.set_job_id(std::string(job_id));
  s.set_snapshot_id(absl::StrFormat("s%03d", i));
  s.mutable_observed_at()->set_seconds(base.observed_at().seconds() + 60 * i);
  s.set_seconds_since_restart(60.0 * (i + 1));
  const double load = 1.0 + 0.5 * std::sin(0.4 * i + phase);
  for (v1::Operator& op : *s.mutable_operators()) {
    v1::OperatorMetrics* m = op.mutable_metrics();
    m->set_records_in_per_s(m->records_in_per_s() * load);
    m->set_records_out_per_s(m->records_out_per_s() * load);
    m->set_busy_ms_per_s_avg(std::min(1000.0, m->busy_ms_per_s_avg() * load));
    m->set_busy_ms_per_s_max(std::min(1000.0, m->busy_ms_per_s_max() * load));
    m->set_pending_records(m->pending_records() * load);
  }
  return s;
}

double RpcCount(const local::ServerProcess& replica, absl::string_view method,
                absl::string_view code) {
  absl::StatusOr<local::HttpResponse> metrics =
      local::HttpGet(replica.metrics_port(), "/metrics");
  if (!metrics.ok()) return -1;
  const std::string series = absl::StrCat("streamtune_rpcs_total{code=\"", code,
                                          "\",method=\"", method, "\"} ");
  const size_t at = metrics->body.find(series);
  if (at == std::string::npos) return 0;
  return std::atof(metrics->body.c_str() + at + series.size());
}

}  // namespace streamtune::testing
