// The benchmark's pre-training corpus: before StreamTune can be measured, the
// private service needs models. This generates the default history (once per
// state directory) in a dedicated tenant and pre-trains on it; later runs
// reuse both. The benchmark's own workloads are excluded from the history.
#ifndef STREAMTUNE_BENCH_CORPUS_H_
#define STREAMTUNE_BENCH_CORPUS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/streamtune_client.h"

namespace streamtune::bench {

// Tenant holding the generated history and its models; the benchmark's
// private streamtuned serves them to every tenant (--shared_model_tenant).
inline constexpr char kCorpusTenant[] = "corpus";

// Makes sure the service has a pre-trained run in kCorpusTenant, calling it
// with `corpus_client` (tenant kCorpusTenant, an admin's token): generates the
// default history when the tenant has no jobs, then runs Pretrain when it
// has no run yet. Progress on stderr: the history generator's, then a line
// per pre-training phase (from the operation's progress) and each phase's
// duration at the end.
absl::Status EnsurePretrainedCorpus(ClientOptions corpus_client,
                                    const std::vector<std::string>& exclude_files);

}  // namespace streamtune::bench

#endif  // STREAMTUNE_BENCH_CORPUS_H_
