// Shared by the tests that drive replicas with snapshot traffic (lb_test,
// fault_test): a family of snapshots whose load varies, so that answers vary
// and depend on the history, and a replica's RPC counts from its /metrics.
#ifndef STREAMTUNE_TESTS_REPLICA_LOAD_H_
#define STREAMTUNE_TESTS_REPLICA_LOAD_H_

#include <string>

#include "absl/strings/string_view.h"
#include "client/local/server_process.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::testing {

// Snapshot `i` of job `job_id`: `base` under id "s%03d", one minute after
// the previous one, with operator rates and load scaled by
// 1 + 0.5 sin(0.4 i + phase).
v1::Snapshot VariedSnapshot(const v1::Snapshot& base, absl::string_view job_id, int i,
                            double phase);

// The replica's streamtune_rpcs_total{code, method}: 0 when the series does
// not exist yet, -1 when /metrics cannot be read.
double RpcCount(const local::ServerProcess& replica, absl::string_view method,
                absl::string_view code);

}  // namespace streamtune::testing

#endif  // STREAMTUNE_TESTS_REPLICA_LOAD_H_
