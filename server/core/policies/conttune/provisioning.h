// ContTune's controller conditions (Lian et al., VLDB 2023, §7): whether a
// job is under-provisioned (Big phase), over-provisioned (Small phase) or at
// normal utilisation (left alone), read from one snapshot and the comparable
// previous snapshot of its run (docs/algorithm.md §4.3).
#ifndef STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_PROVISIONING_H_
#define STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_PROVISIONING_H_

#include <string>

#include "server/core/graph/job_graph.h"
#include "streamtune/v1/snapshot.pb.h"

namespace streamtune {

struct ProvisioningOptions {
  // backpressureThr: an operator is backpressured from this many ms/s of
  // its most backpressured instance (the labels' threshold, §1).
  double backpressured_ms = 100;
  // coreMaxThr, per operator: an operator is busy (the paper's cpuStress)
  // when its instances are on average busy this many ms/s (the labels'
  // saturation threshold, §1). The paper reads the machines' CPU usage, not
  // the hottest task, so that backpressure from skew, which more instances
  // do not relieve, does not make the job under-provisioned; the mean over
  // the operator's instances keeps that property. (A job-wide mean would
  // not: one saturated operator among idle ones never reaches any
  // threshold.)
  double busy_ms = 900;
  // coreMinThr: the job is at low utilisation when its non-source
  // instances are on average busy less than this share of the time.
  double low_utilisation = 0.5;
  // A source's backlog grows (or shrinks) when it changes by more than this
  // fraction of the source's read rate per second.
  double backlog_trend_tolerance = 0.01;
  // A shrinking backlog counts as catching up when it would be gone within
  // this many seconds: the catch-up time every policy's target rate assumes
  // (§1). One that drains more slowly leaves the job under-provisioned.
  double catch_up_s = 300;
};

enum class Provisioning { kUnder, kCatchingUp, kNormal, kOver };

struct JobProvisioning {
  Provisioning state = Provisioning::kNormal;
  std::string why;  // The evidence, for the answer's reason.
};

// The paper's rules, mapped onto our metrics:
//  - backpressure state: some operator backpressured (Flink semantics),
//    some operator's queue growing (Timely semantics; a non-empty queue
//    when `previous` is nullptr, as the labels read it), or some source's
//    backlog growing;
//  - catching up: some source's backlog shrinks fast enough to be gone
//    within catch_up_s, and no other grows or shrinks more slowly. The
//    backlog a restart leaves is not a lack of parallelism, and until it is
//    gone the operators' input rates are not the arrival rates the Small
//    phase sizes for;
//  - under-provisioned: backpressure and some operator busy;
//  - over-provisioned: no backpressure and low utilisation;
//  - normal otherwise.
// Thread-safe (a pure function).
JobProvisioning ClassifyProvisioning(const JobGraph& graph,
                                     const v1::Snapshot* previous,
                                     const ProvisioningOptions& options);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICIES_CONTTUNE_PROVISIONING_H_
