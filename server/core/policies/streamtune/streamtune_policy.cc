#include "server/core/policies/streamtune/streamtune_policy.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/core/graph/rate_estimation.h"
#include "server/core/graph/source_backlog.h"
#include "server/core/learning/features.h"
#include "server/core/learning/fine_tuning.h"
#include "server/core/learning/model_context.h"
#include "server/core/policies/ds2/ds2_step.h"
#include "server/core/policies/streamtune/capacity_curve.h"
#include "server/core/policies/streamtune/cluster_matching.h"
#include "server/core/policies/streamtune/evidence.h"
#include "server/core/policies/streamtune/forecast_planning.h"
#include "server/core/policies/streamtune/operator_sizing.h"
#include "server/core/policies/streamtune/rise_onset.h"

namespace streamtune {
namespace {

// A source's backlog or an operator's queue (Timely reports queues).
bool HasBacklogOrQueue(const JobGraph& graph) {
  for (int v = 0; v < graph.size(); ++v) {
    const v1::OperatorMetrics& m = graph.op(v).metrics();
    if (graph.is_source(v) ? m.pending_records() > 0 : m.queued_records() > 0) {
      return true;
    }
  }
  return false;
}

double TrainingPrior(const v1::Model& model) {
  const auto& m = model.metrics();
  auto positives = m.find("train_positives");
  auto labelled = m.find("train_labelled_nodes");
  if (positives == m.end() || labelled == m.end() || labelled->second <= 0) return 0.5;
  return std::clamp(positives->second / labelled->second, 0.01, 0.99);
}

// What sizing every operator found, for the decision whether to apply.
struct OperatorPass {
  std::vector<std::string> bottlenecks;  // Observed ones, by operator id.
  int current_total = 0;
  int saving = 0;   // Instances a pure scale-down would give back.
  int changed = 0;  // Operators whose recommendation differs from now.
  // Per operator: its sizer and the demand it was sized for now.
  std::vector<OperatorSizer> sizers;
  std::vector<double> demand;
  double restart_s = 0;  // Observed (or assumed) downtime of a restart.
};

// Sizes every operator of the snapshot into `answer` (one entry each, in
// order): the demand it must meet after the restart the answer causes, the
// model's (or the capacity curve's) smallest sufficient parallelism, then
// the job's own evidence as bounds.
OperatorPass SizeEveryOperator(const PolicyInput& input,
                               const CalibratedPredictor& calibrated,
                               const StreamTuneOptions& options,
                               v1::Recommendation* answer) {
  const JobGraph& graph = input.graph;
  // A rise that began inside the window: the window's mean understates what
  // arrives now (rise_onset.h).
  const RiseOnset onset = FindRiseOnset(graph, input.previous);
  const std::vector<double> onset_extra =
      PropagateSourceRates(graph, onset.extra_arrival);
  std::vector<double> targets = TargetInputRates(
      graph, input.previous, RateEstimationOptions{options.catch_up_s});
  for (int v = 0; v < graph.size(); ++v) targets[v] += onset_extra[v];
  std::vector<ParallelismBounds> bounds =
      EvidenceBounds(input, targets, options.catch_up_s);
  std::vector<std::optional<CapacityCurve>> curves = FitCapacityCurves(input);
  OperatorPass pass;
  pass.restart_s = ObservedRestartSeconds(input).value_or(options.assumed_restart_s);
  // A throttled source without a backlog signal: its read rate, and so
  // every target, is a lower bound, and FellBehind cannot be told. A
  // saturated bottleneck then counts as behind (docs/algorithm.md §1).
  const bool arrival_unknown = !SourcesWithUnknownArrival(graph).empty();
  // Arrival rates without the backlog term (an unbounded catch-up time).
  std::vector<double> steady_targets =
      TargetInputRates(graph, input.previous,
                       RateEstimationOptions{std::numeric_limits<double>::infinity()});
  for (int v = 0; v < graph.size(); ++v) steady_targets[v] += onset_extra[v];
  pass.sizers.reserve(graph.size());
  for (int v = 0; v < graph.size(); ++v) {
    const v1::Operator& op = graph.op(v);
    const int current = op.parallelism();
    const double p_current = calibrated.Probability(v, current);
    // Only observed bottlenecks trigger a scale-up: a prediction alone at the
    // running parallelism would reconfigure on model noise (docs/algorithm.md
    // §3.6 allows predicted ones; measured, they doubled the
    // reconfigurations). Observed means saturated AND behind its demand
    // (FellBehind): a job saturated while it works off a backlog fast enough
    // (e.g. the one a restart left) keeps up, and more instances would only
    // be given back later at the price of two more restarts.
    const bool observed = v < static_cast<int>(input.labels.size()) &&
                          input.labels[v].label() == v1::BOTTLENECK_LABEL_BOTTLENECK &&
                          (arrival_unknown || FellBehind(op, targets[v]));
    // Applying this answer restarts the job: its input keeps arriving for
    // restart_s, and that backlog must drain within catch_up_s too, on top
    // of the one there is now (measured: sized without it, operators at the
    // edge became bottlenecks again right after their restart).
    const double after_restart =
        targets[v] + steady_targets[v] * pass.restart_s / options.catch_up_s;
    const double demand =
        std::max(after_restart, steady_targets[v] / options.target_utilisation);
    pass.demand.push_back(demand);
    pass.sizers.emplace_back(op, v, observed, std::move(curves[v]), calibrated,
                             std::move(bounds[v]), demand, options);
    const OperatorSizer& sizer = pass.sizers.back();
    const int recommended = sizer.Bounded(demand);
    std::string why = absl::StrFormat("P(bottleneck) %.2f at %d; %s", p_current,
                                      current, sizer.Size(demand).why);
    if (!sizer.bounds().why.empty())
      absl::StrAppend(&why, "; evidence: ", sizer.bounds().why);
    if (!onset.why[v].empty()) absl::StrAppend(&why, "; ", onset.why[v]);
    if (observed) pass.bottlenecks.push_back(op.id());
    v1::OperatorRecommendation* out = answer->add_operators();
    out->set_operator_id(op.id());
    out->set_current_parallelism(current);
    out->set_recommended_parallelism(recommended);
    out->set_bottleneck_probability_current(p_current);
    out->set_bottleneck_probability_recommended(calibrated.Probability(v, recommended));
    out->set_reason(absl::StrCat(why, " -> ", recommended));
    pass.current_total += current;
    pass.saving += std::max(0, current - recommended);
    pass.changed += recommended != current;
  }
  return pass;
}

// The first settled snapshot of a run cannot tell how fast the backlog
// grows, so the sources' demand is only a lower bound and a scale-up now
// would likely need a second one. Measured: waiting one interval for the
// trend saved a reconfiguration per run start. The same holds for a queue
// inside the job: right after a restart, a saturated operator with a queue
// may be working off the downtime's backlog (measured on Timely: q5's
// count at 2 instances, 977 ms/s busy with 610 queued, 2 s after its
// restart, kept up once the queue was gone).
bool WaitsForBacklogTrend(const PolicyInput& input, const OperatorPass& pass) {
  return !pass.bottlenecks.empty() && input.previous == nullptr &&
         HasBacklogOrQueue(input.graph);
}

std::string WaitingReason(const OperatorPass& pass, const std::string& model_note) {
  return absl::StrCat("bottleneck: ", absl::StrJoin(pass.bottlenecks, ", "),
                      "; waiting one interval for the backlog's growth rate "
                      "(no earlier snapshot of this run); ",
                      model_note);
}

// The fewest instances a scale-down must give back. A restart that gives
// back a single instance is not worth its downtime (DS2's rule too);
// measured, such scale-downs were a fifth of all reconfigurations.
int MinScaleDownSaving(const StreamTuneOptions& options, int current_total) {
  return std::max(2, static_cast<int>(options.min_saving_share * current_total + 0.5));
}

// Whether the sized answer is worth a reconfiguration (docs/algorithm.md
// §3.6): a scale-up for an observed bottleneck (raising only), or a
// scale-down that saves enough after the job has been stable; sets `apply`
// and the reason, and clamps the recommendations to the chosen direction.
void DecideWhetherToApply(const PolicyInput& input, const OperatorPass& pass,
                          const StreamTuneOptions& options,
                          const std::string& model_note, v1::Recommendation* answer) {
  const v1::Snapshot& snapshot = input.graph.snapshot();
  const int min_saving = MinScaleDownSaving(options, pass.current_total);
  const std::string bottlenecks = absl::StrJoin(pass.bottlenecks, ", ");
  if (pass.changed == 0) {
    answer->set_reason(
        absl::StrCat("every operator is where the model wants it; ", model_note));
  } else if (WaitsForBacklogTrend(input, pass)) {
    answer->set_reason(WaitingReason(pass, model_note));
  } else if (!pass.bottlenecks.empty()) {
    // A scale-up only raises: shrinking other operators in the same restart
    // would trade a known bottleneck for a guessed one.
    bool raises = false;
    for (auto& op : *answer->mutable_operators()) {
      op.set_recommended_parallelism(
          std::max(op.recommended_parallelism(), op.current_parallelism()));
      raises |= op.recommended_parallelism() > op.current_parallelism();
    }
    answer->set_apply(raises);
    answer->set_reason(
        absl::StrCat("bottleneck: ", bottlenecks,
                     raises ? "; " : " (more instances would not help); ", model_note));
  } else if (pass.saving >= min_saving &&
             snapshot.seconds_since_restart() >= options.scale_down_delay_s) {
    // With no bottleneck, nothing needs more; only shrink.
    for (auto& op : *answer->mutable_operators()) {
      op.set_recommended_parallelism(
          std::min(op.recommended_parallelism(), op.current_parallelism()));
    }
    answer->set_apply(true);
    answer->set_reason(absl::StrCat("saves ", pass.saving, " instances; ", model_note));
  } else {
    answer->set_reason(
        absl::StrFormat("no bottleneck; saving %d < %d or running %.0f s < %.0f s; %s",
                        pass.saving, min_saving, snapshot.seconds_since_restart(),
                        options.scale_down_delay_s, model_note));
  }
}

// The forecast plan's answer (docs/algorithm.md §3.8): act on its first
// segment. The rails of the reactive rules stay: a pure scale-down still
// needs the minimum saving and a settled job, and the evidence bounds are
// already inside every requirement the plan saw.
void DecideWithPlan(const PolicyInput& input, const OperatorPass& pass,
                    const PlannedDecision& planned, const StreamTuneOptions& options,
                    const std::string& model_note, v1::Recommendation* answer) {
  const v1::Snapshot& snapshot = input.graph.snapshot();
  const std::string note = absl::StrCat(planned.note, "; ", model_note);
  auto keep = [&](const std::string& why) {
    for (auto& op : *answer->mutable_operators()) {
      op.set_recommended_parallelism(op.current_parallelism());
    }
    answer->set_apply(false);
    answer->set_reason(absl::StrCat(why, note));
  };
  if (WaitsForBacklogTrend(input, pass)) {
    keep("");
    answer->set_reason(WaitingReason(pass, note));
    return;
  }
  if (!planned.plan.change_now) {
    keep(pass.bottlenecks.empty()
             ? ""
             : absl::StrCat("bottleneck: ", absl::StrJoin(pass.bottlenecks, ", "),
                            " (more instances would not help); "));
    return;
  }
  // A change the running configuration could do without must beat keeping
  // by a restart's price: the plan's gain rests on a forecast, and a wrong
  // one costs the restart back (undoing it).
  const double gain = planned.plan.keep_cost - planned.plan.cost;
  if (planned.plan.keep_cost >= 0 && gain < planned.restart_cost) {
    keep(
        absl::StrFormat("a change would gain %.0f instance-min, less than a restart's "
                        "price; ",
                        gain / 60));
    return;
  }
  bool raises = false;
  for (int v = 0; v < answer->operators_size(); ++v) {
    raises |= planned.plan.config[v] > answer->operators(v).current_parallelism();
  }
  int saving = 0;
  for (int v = 0; v < answer->operators_size(); ++v) {
    v1::OperatorRecommendation& op = *answer->mutable_operators(v);
    // A change that raises anything only raises, as in §3.6: measured,
    // lowering others in the same restart made pairs of operators trade
    // places at the next decisions (restarts that left the total equal).
    const int planned_p =
        raises ? std::max(planned.plan.config[v], op.current_parallelism())
               : planned.plan.config[v];
    if (planned_p != op.recommended_parallelism()) {
      op.set_reason(absl::StrFormat("%s; plan %d", op.reason(), planned_p));
    }
    op.set_recommended_parallelism(planned_p);
    saving += std::max(0, op.current_parallelism() - planned_p);
  }
  const int min_saving = MinScaleDownSaving(options, pass.current_total);
  if (!raises && (saving < min_saving ||
                  snapshot.seconds_since_restart() < options.scale_down_delay_s)) {
    keep(saving < min_saving
             ? absl::StrFormat("scale-down of %d held back (saves fewer than %d); ",
                               saving, min_saving)
             : absl::StrFormat("scale-down of %d held back (running %.0f s < %.0f s "
                               "since the last restart); ",
                               saving, snapshot.seconds_since_restart(),
                               options.scale_down_delay_s));
    return;
  }
  answer->set_apply(true);
  answer->set_reason(
      pass.bottlenecks.empty()
          ? note
          : absl::StrCat("bottleneck: ", absl::StrJoin(pass.bottlenecks, ", "), "; ",
                         note));
}

}  // namespace

StreamTunePolicy::StreamTunePolicy(StreamTuneOptions options) : options_(options) {}

absl::StatusOr<v1::Recommendation> StreamTunePolicy::Fallback(
    const PolicyInput& input, absl::string_view why) const {
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation answer, ds2_.Recommend(input));
  answer.set_fallback(true);
  answer.set_reason(absl::StrCat("DS2 fallback (", why, "): ", answer.reason()));
  return answer;
}

v1::Model StreamTunePolicy::JobModel(const PolicyInput& input,
                                     const v1::Model& cluster_model,
                                     std::optional<FineTuneRequest>* fine_tune) const {
  const std::optional<v1::Model>& job_model = input.models->job_model();
  const bool current =
      job_model.has_value() && FineTunedFrom(*job_model, cluster_model);
  if (options_.fine_tune_steps <= 0) return cluster_model;
  // This snapshot adds an observation to learn from (or the job has no model
  // of this cluster yet): have the job's model fine-tuned in the
  // background. Until it is, the newest fine-tuned version answers, one
  // decision behind (docs/architecture.md, "Fine-tuning off the request
  // path").
  const int labelled =
      LabelledSnapshots(input.history) + (Stabilising(input.graph.snapshot()) ? 0 : 1);
  if (labelled >= options_.min_fine_tune_snapshots &&
      (!current || !Stabilising(input.graph.snapshot()))) {
    *fine_tune = FineTuneRequest{input.models->run_tenant(), cluster_model.model_id(),
                                 cluster_model.version()};
  }
  return current ? *job_model : cluster_model;
}

absl::StatusOr<StreamTunePolicy::ModelChoice> StreamTunePolicy::ChooseModel(
    const PolicyInput& input) const {
  auto fall_back = [](absl::string_view why) {
    return absl::FailedPreconditionError(why);
  };
  if (input.models == nullptr) return fall_back("this server loads no models");
  const std::optional<PretrainedModels>& run = input.models->run();
  if (!run.has_value()) return fall_back("no pre-trained model yet; run Pretrain");
  const v1::Snapshot& snapshot = input.graph.snapshot();
  std::optional<ClusterMatch> match =
      MatchCluster(snapshot, *run, options_.max_cluster_distance);
  if (!match.has_value()) return fall_back("no cluster is near and no global model");

  ModelChoice choice;
  choice.match = *std::move(match);
  choice.chosen = JobModel(input, choice.match.model, &choice.fine_tune);
  choice.fine_tuned = choice.chosen.kind() == kJobModelKind;
  absl::StatusOr<std::shared_ptr<const BottleneckModel>> model =
      input.models->Loaded(choice.chosen);
  if (!model.ok() && choice.fine_tuned) {
    // A job model that does not load: the cluster's own answers instead.
    choice.tuning_note =
        absl::StrCat(" (fine-tuned model unusable: ", model.status().message(), ")");
    choice.chosen = choice.match.model;
    choice.fine_tuned = false;
    model = input.models->Loaded(choice.chosen);
  }
  if (!model.ok())
    return fall_back(absl::StrCat("model load: ", model.status().message()));
  choice.model = *std::move(model);
  absl::StatusOr<std::unique_ptr<BottleneckPredictor>> predictor =
      choice.model->Prepare(
          ExtractFeatures(input.graph, input.previous, options_.catch_up_s));
  if (!predictor.ok()) {
    return fall_back(absl::StrCat("model input: ", predictor.status().message()));
  }
  choice.predictor = *std::move(predictor);
  return choice;
}

absl::StatusOr<v1::Recommendation> StreamTunePolicy::Recommend(
    const PolicyInput& input) const {
  STREAMTUNE_ASSIGN_OR_RETURN(PolicyDecision decision, Decide(input));
  return std::move(decision.recommendation);
}

absl::StatusOr<PolicyDecision> StreamTunePolicy::Decide(
    const PolicyInput& input) const {
  PolicyDecision decision;
  if (std::optional<v1::Recommendation> warm = WarmUpAnswer(input.graph.snapshot())) {
    decision.recommendation = *std::move(warm);
    return decision;
  }
  absl::StatusOr<ModelChoice> choice = ChooseModel(input);
  if (!choice.ok()) {
    STREAMTUNE_ASSIGN_OR_RETURN(decision.recommendation,
                                Fallback(input, choice.status().message()));
    return decision;
  }
  decision.fine_tune = choice->fine_tune;
  const CalibratedPredictor calibrated(*choice->predictor,
                                       TrainingPrior(choice->chosen));
  v1::Recommendation answer;
  const OperatorPass pass = SizeEveryOperator(input, calibrated, options_, &answer);
  const std::string model_note = absl::StrFormat(
      "%s %s (GED %.2f), %s v%d%s", choice->match.global ? "global model" : "cluster",
      choice->chosen.cluster_id(), choice->match.distance,
      choice->fine_tuned ? "fine-tuned" : "pre-trained", choice->chosen.version(),
      choice->tuning_note);
  std::optional<PlannedDecision> planned;
  if (options_.use_forecast) {
    planned =
        PlanFromForecast(input, pass.sizers, pass.demand, pass.restart_s, options_);
  }
  if (planned.has_value()) {
    DecideWithPlan(input, pass, *planned, options_, model_note, &answer);
  } else {
    DecideWhetherToApply(input, pass, options_, model_note, &answer);
  }
  HoldScaleDownsWhileArrivalUnknown(input.graph, &answer);
  answer.set_model_id(choice->chosen.model_id());
  answer.set_model_version(choice->chosen.version());
  answer.set_cluster_id(choice->chosen.cluster_id());
  decision.recommendation = std::move(answer);
  return decision;
}

}  // namespace streamtune
