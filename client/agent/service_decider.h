// A Decider backed by streamtuned: sends each snapshot to Recommend and turns
// the answer into a parallelism vector when the service says to apply it.
#ifndef STREAMTUNE_CLIENT_AGENT_SERVICE_DECIDER_H_
#define STREAMTUNE_CLIENT_AGENT_SERVICE_DECIDER_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "client/agent/agent_loop.h"
#include "client/streamtune_client.h"

namespace streamtune::agent {

// Called with every snapshot and the service's answer to it.
using RecommendationObserver =
    std::function<void(const v1::Snapshot&, const v1::Recommendation&)>;

struct ServiceDeciderOptions {
  // Policy to request; empty uses the server's default.
  std::string policy;
  RecommendationObserver observer;  // Optional.
  // When positive: after each answer, wait (polling GetJob) until the job's
  // model is no longer queued for fine-tuning, at most this long. Makes a
  // run reproducible (every decision then uses the model trained through
  // the one before: one decision behind, as in production when decisions
  // are a minute apart); the benchmark and the replica tests use it.
  absl::Duration settle_fine_tuning = absl::ZeroDuration();
};

// `client` is borrowed and must outlive the returned Decider. An answer
// that misses an operator of the snapshot, or names one it does not have,
// is INTERNAL (the service broke its contract).
Decider MakeServiceDecider(StreamTuneClient* client, ServiceDeciderOptions options);

}  // namespace streamtune::agent

#endif  // STREAMTUNE_CLIENT_AGENT_SERVICE_DECIDER_H_
