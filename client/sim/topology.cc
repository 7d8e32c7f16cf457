#include "client/sim/topology.h"

#include <map>
#include <numeric>

#include "common/status_macros.h"

namespace streamtune::sim {

absl::StatusOr<Topology> Topology::Build(const Workload& workload) {
  STREAMTUNE_RETURN_IF_ERROR(ValidateWorkload(workload));
  Topology t;
  const int n = static_cast<int>(workload.operators.size());
  std::map<std::string, int> index;
  for (int i = 0; i < n; ++i) {
    const OperatorSpec& op = workload.operators[i];
    index[op.id] = i;
    t.ids_.push_back(op.id);
    t.selectivity_.push_back(op.selectivity);
    t.max_parallelism_.push_back(op.max_parallelism);
    t.source_position_.push_back(-1);
    if (op.kind == v1::OPERATOR_KIND_SOURCE) {
      t.source_position_[i] = static_cast<int>(t.sources_.size());
      t.sources_.push_back(i);
      t.traces_.push_back(workload.sources.at(op.id));
    }
  }
  t.inputs_.resize(n);
  t.successors_.resize(n);
  std::vector<bool> hash_input(n, false);
  // Union-find for the weakly connected components.
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  std::vector<int> in_degree(n, 0);
  for (const EdgeSpec& edge : workload.edges) {
    const int from = index.at(edge.from);
    const int to = index.at(edge.to);
    t.inputs_[to].push_back(InputEdge{from, edge.fraction});
    t.successors_[from].push_back(to);
    if (edge.partitioning == v1::PARTITIONING_HASH) hash_input[to] = true;
    parent[find(from)] = find(to);
    ++in_degree[to];
  }
  for (int i = 0; i < n; ++i) {
    const OperatorSpec& op = workload.operators[i];
    t.models_.emplace_back(op.capacity, op.contention, op.hot_key_share, hash_input[i]);
    t.arg_max_.push_back(t.models_.back().ArgMaxSustainable(op.max_parallelism));
  }
  std::map<int, int> component_of_root;
  for (int i = 0; i < n; ++i) {
    auto [it, unused] =
        component_of_root.emplace(find(i), static_cast<int>(component_of_root.size()));
    t.component_.push_back(it->second);
  }
  t.num_components_ = static_cast<int>(component_of_root.size());
  // Kahn's algorithm in index order (validation guarantees a DAG).
  std::vector<int> ready;
  for (int i = n - 1; i >= 0; --i) {
    if (in_degree[i] == 0) ready.push_back(i);
  }
  while (!ready.empty()) {
    const int v = ready.back();
    ready.pop_back();
    t.order_.push_back(v);
    for (int next : t.successors_[v]) {
      if (--in_degree[next] == 0) ready.push_back(next);
    }
  }
  return t;
}

void Topology::Propagate(const std::vector<double>& source_reads,
                         std::vector<double>* input,
                         std::vector<double>* output) const {
  input->assign(size(), 0.0);
  output->assign(size(), 0.0);
  for (int v : order_) {
    double in = 0;
    if (source_position_[v] >= 0) {
      in = source_reads[source_position_[v]];
    } else {
      for (const InputEdge& edge : inputs_[v]) {
        in += (*output)[edge.from] * edge.fraction;
      }
    }
    (*input)[v] = in;
    (*output)[v] = in * selectivity_[v];
  }
}

}  // namespace streamtune::sim
