#include "server/core/graph/job_graph.h"

#include <queue>

namespace streamtune {

JobGraph::JobGraph(const v1::Snapshot& snapshot) : snapshot_(&snapshot) {
  const int n = snapshot.operators_size();
  inputs_.resize(n);
  outputs_.resize(n);
  for (int i = 0; i < n; ++i) index_.emplace(snapshot.operators(i).id(), i);
  for (int e = 0; e < snapshot.edges_size(); ++e) {
    const int from = IndexOf(snapshot.edges(e).from());
    const int to = IndexOf(snapshot.edges(e).to());
    from_.push_back(from);
    to_.push_back(to);
    outputs_[from].push_back(e);
    inputs_[to].push_back(e);
  }
  // Kahn's algorithm; ties broken by listing order so the order is stable.
  std::vector<int> remaining(n);
  std::queue<int> ready;
  for (int i = 0; i < n; ++i) {
    remaining[i] = static_cast<int>(inputs_[i].size());
    if (remaining[i] == 0) ready.push(i);
  }
  while (!ready.empty()) {
    const int v = ready.front();
    ready.pop();
    order_.push_back(v);
    for (int e : outputs_[v]) {
      if (--remaining[to_[e]] == 0) ready.push(to_[e]);
    }
  }
}

int JobGraph::IndexOf(absl::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

bool JobGraph::has_hash_input(int index) const {
  for (int e : inputs_[index]) {
    if (edge(e).partitioning() == v1::PARTITIONING_HASH) return true;
  }
  return false;
}

bool Stabilising(const v1::Snapshot& snapshot) {
  return snapshot.seconds_since_restart() < snapshot.window_s();
}

bool SameOperators(const v1::Snapshot& snapshot, const JobGraph& graph) {
  if (snapshot.operators_size() != graph.size()) return false;
  for (int v = 0; v < graph.size(); ++v) {
    if (snapshot.operators(v).id() != graph.op(v).id()) return false;
  }
  return true;
}

}  // namespace streamtune
