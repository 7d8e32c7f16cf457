// Test-only helpers to build snapshots tersely: a linear chain or any DAG,
// with per-operator metrics set field by field.
#ifndef STREAMTUNE_SERVER_CORE_TESTING_TEST_SNAPSHOTS_H_
#define STREAMTUNE_SERVER_CORE_TESTING_TEST_SNAPSHOTS_H_

#include <string>
#include <vector>

#include "streamtune/v1/recommendation.pb.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune::testing {

// A Flink-semantics snapshot of job "job" with id `snapshot_id`, observed at
// `observed_s` seconds after the epoch, a 60 s window, 600 s since restart,
// and no operators.
inline v1::Snapshot EmptySnapshot(const std::string& snapshot_id = "s1",
                                  int64_t observed_s = 1000) {
  v1::Snapshot s;
  s.set_job_id("job");
  s.set_snapshot_id(snapshot_id);
  s.set_engine(v1::ENGINE_SIMULATED);
  s.set_semantics(v1::METRIC_SEMANTICS_FLINK);
  s.mutable_observed_at()->set_seconds(observed_s);
  s.set_window_s(60);
  s.set_seconds_since_restart(600);
  return s;
}

// The recommended parallelism of every operator of `r`, in order.
inline std::vector<int> Recommended(const v1::Recommendation& r) {
  std::vector<int> out;
  for (const auto& op : r.operators()) out.push_back(op.recommended_parallelism());
  return out;
}

// Adds an operator; metrics are set through the returned pointer.
inline v1::Operator* AddOperator(v1::Snapshot* s, const std::string& id,
                                 v1::OperatorKind kind, int parallelism,
                                 int max_parallelism = 128) {
  v1::Operator* op = s->add_operators();
  op->set_id(id);
  op->set_name(id);
  op->set_kind(kind);
  op->set_parallelism(parallelism);
  op->set_max_parallelism(max_parallelism);
  return op;
}

inline v1::Edge* AddEdge(v1::Snapshot* s, const std::string& from,
                         const std::string& to,
                         v1::Partitioning partitioning = v1::PARTITIONING_REBALANCE) {
  v1::Edge* e = s->add_edges();
  e->set_from(from);
  e->set_to(to);
  e->set_partitioning(partitioning);
  return e;
}

// Sets the rates and busy times of one operator (busy max = avg, no
// backpressure, idle = the rest).
inline void SetLoad(v1::Operator* op, double in_per_s, double out_per_s,
                    double busy_ms) {
  auto* m = op->mutable_metrics();
  m->set_records_in_per_s(in_per_s);
  m->set_records_out_per_s(out_per_s);
  m->set_busy_ms_per_s_max(busy_ms);
  m->set_busy_ms_per_s_avg(busy_ms);
  m->set_backpressured_ms_per_s_max(0);
  m->set_idle_ms_per_s_avg(1000 - busy_ms);
}

// source -> map -> sink at parallelism 1 (at most 8) in an 11-s window:
// the source reads `read` with `pending` records behind, the map takes
// `map_in` at `map_busy` ms/s (the Flink harness's job, its aggregate as
// the map, around the step profile's rise).
inline v1::Snapshot RisingChain(const std::string& snapshot_id, int64_t observed_s,
                                double read, double pending, double map_in,
                                double map_busy) {
  v1::Snapshot s = EmptySnapshot(snapshot_id, observed_s);
  s.set_window_s(11);
  v1::Operator* source = AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1, 8);
  SetLoad(source, read, read, 30);
  source->mutable_metrics()->set_pending_records(pending);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 1, 8), map_in, map_in,
          map_busy);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1, 8), map_in, 0, 20);
  AddEdge(&s, "source", "map");
  AddEdge(&s, "map", "sink");
  return s;
}

// source -> map -> sink, all at parallelism 1 with a steady, unsaturated load.
inline v1::Snapshot ValidChain(const std::string& snapshot_id = "s1",
                               int64_t observed_s = 1000) {
  v1::Snapshot s = EmptySnapshot(snapshot_id, observed_s);
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 1000, 1000, 100);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(0);
  SetLoad(AddOperator(&s, "map", v1::OPERATOR_KIND_MAP, 1), 1000, 1000, 500);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), 1000, 0, 100);
  AddEdge(&s, "source", "map");
  AddEdge(&s, "map", "sink");
  return s;
}

// The shared linear-chain workload at 20000 rec/s with every operator at
// parallelism 1: "enrich" (8000 rec/s per instance) throttles the job to
// 8000 rec/s. Busy times follow docs/simulator.md §4 without noise; `pending` is
// the source backlog.
inline v1::Snapshot ThrottledChain(const std::string& id, int64_t observed_s,
                                   double pending) {
  v1::Snapshot s = EmptySnapshot(id, observed_s);
  SetLoad(AddOperator(&s, "source", v1::OPERATOR_KIND_SOURCE, 1), 8000, 8000, 160);
  s.mutable_operators(0)->mutable_metrics()->set_pending_records(pending);
  SetLoad(AddOperator(&s, "parse", v1::OPERATOR_KIND_MAP, 1), 8000, 8000,
          1000.0 * 8000 / 12000);
  SetLoad(AddOperator(&s, "enrich", v1::OPERATOR_KIND_MAP, 1), 8000, 8000, 1000);
  SetLoad(AddOperator(&s, "filter", v1::OPERATOR_KIND_FILTER, 1), 8000, 4000,
          1000.0 * 8000 / 30000);
  SetLoad(AddOperator(&s, "sink", v1::OPERATOR_KIND_SINK, 1), 4000, 0,
          1000.0 * 4000 / 100000);
  AddEdge(&s, "source", "parse");
  AddEdge(&s, "parse", "enrich");
  AddEdge(&s, "enrich", "filter");
  AddEdge(&s, "filter", "sink");
  return s;
}

}  // namespace streamtune::testing

#endif  // STREAMTUNE_SERVER_CORE_TESTING_TEST_SNAPSHOTS_H_
