// Small hand-built workloads shared by the simulator's tests, so each test
// states only what it varies. Test-only; thread-compatible.
#ifndef STREAMTUNE_CLIENT_SIM_TEST_WORKLOADS_H_
#define STREAMTUNE_CLIENT_SIM_TEST_WORKLOADS_H_

#include <string>
#include <vector>

#include "client/sim/workload.h"

namespace streamtune::sim::testing {

inline OperatorSpec Op(const std::string& id, v1::OperatorKind kind, double capacity,
                       double selectivity = 1, int parallelism = 1) {
  OperatorSpec op;
  op.id = id;
  op.kind = kind;
  op.capacity = capacity;
  op.selectivity = kind == v1::OPERATOR_KIND_SINK ? 0 : selectivity;
  op.parallelism = parallelism;
  return op;
}

inline EdgeSpec Edge(const std::string& from, const std::string& to,
                     v1::Partitioning partitioning = v1::PARTITIONING_REBALANCE,
                     double fraction = 1) {
  return EdgeSpec{from, to, partitioning, fraction};
}

// source (c=10000) -> map (c=5000, s=2) -> sink (c=100000), noise-free,
// constant rate `rate`, 600 s.
inline Workload Chain(double rate) {
  Workload w;
  w.name = "chain";
  w.duration_s = 600;
  w.seed = 1;
  w.noise_sd = 0;
  w.operators = {Op("source", v1::OPERATOR_KIND_SOURCE, 10000),
                 Op("map", v1::OPERATOR_KIND_MAP, 5000, 2),
                 Op("sink", v1::OPERATOR_KIND_SINK, 100000)};
  w.edges = {Edge("source", "map"), Edge("map", "sink")};
  w.sources["source"] = {RateStep{0, rate, 0}};
  return w;
}

}  // namespace streamtune::sim::testing

#endif  // STREAMTUNE_CLIENT_SIM_TEST_WORKLOADS_H_
