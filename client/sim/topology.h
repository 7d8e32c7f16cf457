// Topology: a workload's operator DAG indexed for the flow model of
// docs/simulator.md §3 (topological order, input edges with fractions, weakly
// connected components, capacity models), plus the unthrottled demand
// propagation that the engine and the oracle share. Immutable once built:
// thread-safe.
#ifndef STREAMTUNE_CLIENT_SIM_TOPOLOGY_H_
#define STREAMTUNE_CLIENT_SIM_TOPOLOGY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/sim/capacity_model.h"
#include "client/sim/workload.h"

namespace streamtune::sim {

struct InputEdge {
  int from;         // Producer's operator index.
  double fraction;  // Share of the producer's output on this edge.
};

class Topology {
 public:
  // Validates `workload` (ValidateWorkload) and indexes it. Operator indices
  // are positions in workload.operators.
  static absl::StatusOr<Topology> Build(const Workload& workload);

  int size() const { return static_cast<int>(models_.size()); }
  // Operator indices of the sources, in workload order. "Source position"
  // elsewhere means a position in this list.
  const std::vector<int>& sources() const { return sources_; }
  // Position of operator `index` in sources(), or -1.
  int source_position(int index) const { return source_position_[index]; }
  const std::vector<int>& topological_order() const { return order_; }
  const std::vector<InputEdge>& inputs(int index) const { return inputs_[index]; }
  const std::vector<int>& successors(int index) const { return successors_[index]; }
  // Weakly connected component of each operator, numbered from 0.
  int component(int index) const { return component_[index]; }
  int num_components() const { return num_components_; }
  const CapacityModel& model(int index) const { return models_[index]; }
  double selectivity(int index) const { return selectivity_[index]; }
  int max_parallelism(int index) const { return max_parallelism_[index]; }
  // ArgMaxSustainable(max_parallelism) of each operator, computed once.
  int arg_max_parallelism(int index) const { return arg_max_[index]; }
  const std::string& id(int index) const { return ids_[index]; }
  // The source trace of source position `position`.
  const std::vector<RateStep>& trace(int position) const { return traces_[position]; }

  // Unthrottled flow: each source reads `source_reads[position]`; every
  // other operator's input is the sum over its input edges of the
  // producer's output times the edge fraction; output = input × s.
  // Resizes and fills `input` and `output` (indexed by operator).
  void Propagate(const std::vector<double>& source_reads, std::vector<double>* input,
                 std::vector<double>* output) const;

 private:
  Topology() = default;

  std::vector<std::string> ids_;
  std::vector<int> sources_;
  std::vector<int> source_position_;
  std::vector<int> order_;
  std::vector<std::vector<InputEdge>> inputs_;
  std::vector<std::vector<int>> successors_;
  std::vector<int> component_;
  int num_components_ = 0;
  std::vector<CapacityModel> models_;
  std::vector<double> selectivity_;
  std::vector<int> max_parallelism_;
  std::vector<int> arg_max_;
  std::vector<std::vector<RateStep>> traces_;
};

}  // namespace streamtune::sim

#endif  // STREAMTUNE_CLIENT_SIM_TOPOLOGY_H_
