// JobGraph: an indexed, topologically ordered view of a snapshot's operator
// DAG, so policies can walk operators and their input edges by index instead
// of by string id. Built only from a snapshot that passed ValidateSnapshot.
#ifndef STREAMTUNE_SERVER_CORE_GRAPH_JOB_GRAPH_H_
#define STREAMTUNE_SERVER_CORE_GRAPH_JOB_GRAPH_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// Immutable; safe to share between threads. Holds a pointer to the snapshot,
// which must outlive the graph.
class JobGraph {
 public:
  // `snapshot` must be valid (ValidateSnapshot returned OK): ids unique, edges
  // between existing operators, acyclic.
  explicit JobGraph(const v1::Snapshot& snapshot);

  const v1::Snapshot& snapshot() const { return *snapshot_; }
  int size() const { return static_cast<int>(inputs_.size()); }
  const v1::Operator& op(int index) const { return snapshot_->operators(index); }
  const v1::Edge& edge(int index) const { return snapshot_->edges(index); }
  // Index of the operator with `id`, or -1.
  int IndexOf(absl::string_view id) const;
  // Operator indices, every producer before its consumers.
  const std::vector<int>& topological_order() const { return order_; }
  // Indices of the edges into / out of operator `index`.
  const std::vector<int>& input_edges(int index) const { return inputs_[index]; }
  const std::vector<int>& output_edges(int index) const { return outputs_[index]; }
  // An operator with no input edges reads from outside the job.
  bool is_source(int index) const { return inputs_[index].empty(); }
  // True when any input edge is hash-partitioned (a hot key can skew it).
  bool has_hash_input(int index) const;
  int producer(int edge_index) const { return from_[edge_index]; }
  int consumer(int edge_index) const { return to_[edge_index]; }

 private:
  const v1::Snapshot* snapshot_;
  absl::flat_hash_map<std::string, int> index_;
  std::vector<std::vector<int>> inputs_;
  std::vector<std::vector<int>> outputs_;
  std::vector<int> from_;
  std::vector<int> to_;
  std::vector<int> order_;
};

// True while `snapshot` is younger than one metrics window after the job's
// last restart: its metrics still describe the restart (the STABILISING
// label, DS2's warm-up, and every use of history skip such snapshots).
bool Stabilising(const v1::Snapshot& snapshot);

// True when `snapshot` has exactly `graph`'s operators, by id and in order,
// so operator indices mean the same in both.
bool SameOperators(const v1::Snapshot& snapshot, const JobGraph& graph);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_GRAPH_JOB_GRAPH_H_
