// Node features of one snapshot's operator DAG, the input of the learned
// bottleneck model (docs/algorithm.md §2.4). Raw values: the model
// normalises them with the statistics it was trained with. Torch-free.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_FEATURES_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_FEATURES_H_

#include "server/core/graph/job_graph.h"
#include "server/core/learning/bottleneck_model.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

// Column layout of GraphFeatures::node_features, one row per operator in
// snapshot order. Changing it (adding an OperatorKind, a column) changes
// kNodeFeatureDim, and models trained before are rejected by Prepare.
//
//   [0, 10)  one-hot operator kind, column = OperatorKind value
//            (UNSPECIFIED = 0 ... SINK = 9; an unknown value counts as 0).
//   10       1 if any input edge is hash-partitioned, else 0.
//   11       depth: edges on the longest path from a source (sources 0).
//   12       in-degree (input edges).
//   13       out-degree (output edges).
//   14       log1p(target input rate λ_v in records/s), TargetInputRates.
//   15       observed selectivity records_out / records_in (Selectivity:
//            1 when nothing came in, 0 for an idle sink).
//   16       log1p(observed per-instance true processing rate in records/s),
//            records_in / (busy_avg / 1000) / parallelism; 0 when unknown.
//   17       1 when column 16 is unknown (no busy time or no input), else 0.
//   18       log(parallelism the operator was observed at).
inline constexpr int kKindFeatureColumns = 10;
inline constexpr int kHashInputColumn = 10;
inline constexpr int kDepthColumn = 11;
inline constexpr int kInDegreeColumn = 12;
inline constexpr int kOutDegreeColumn = 13;
inline constexpr int kLogTargetRateColumn = 14;
inline constexpr int kSelectivityColumn = 15;
inline constexpr int kLogInstanceRateColumn = 16;
inline constexpr int kInstanceRateMissingColumn = 17;
inline constexpr int kLogParallelismColumn = 18;
inline constexpr int kNodeFeatureDim = 19;

static_assert(kKindFeatureColumns == v1::OperatorKind_ARRAYSIZE,
              "a new OperatorKind needs a feature column (and retrained models)");

// Features of every operator of `graph`. `previous` is the comparable earlier
// snapshot of the same run (ComparablePrevious) or nullptr; it only refines
// the sources' target rates (backlog growth). `catch_up_s` as in
// RateEstimationOptions. Never fails on a validated snapshot.
GraphFeatures ExtractFeatures(const JobGraph& graph, const v1::Snapshot* previous,
                              double catch_up_s);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_FEATURES_H_
