// What the pre-training pipeline tells whoever runs it, and asks it: progress
// by phase, and whether to stop. The operation runner
// (server/core/operations/) implements it; the pipeline calls it from the
// thread it runs on. Free of gRPC, SQL and Torch.
#ifndef STREAMTUNE_SERVER_CORE_LEARNING_PRETRAIN_PROGRESS_H_
#define STREAMTUNE_SERVER_CORE_LEARNING_PRETRAIN_PROGRESS_H_

#include <cstdint>
#include <string>

#include "streamtune/v1/admin.pb.h"

namespace streamtune {

class PretrainProgress {
 public:
  virtual ~PretrainProgress() = default;
  // A phase begins, of `total` steps (0 while not known).
  virtual void StartPhase(v1::PretrainPhase phase, std::string description,
                          int64_t total) = 0;
  // `done` of `total` steps of the current phase are complete.
  virtual void Advance(int64_t done, int64_t total) = 0;
  // True once the pipeline should stop (the operation was cancelled, the
  // server is shutting down). Cheap: called at every progress point.
  virtual bool StopRequested() const = 0;
};

// Reports nowhere and never stops: for callers without a runner.
class NoPretrainProgress : public PretrainProgress {
 public:
  void StartPhase(v1::PretrainPhase, std::string, int64_t) override {}
  void Advance(int64_t, int64_t) override {}
  bool StopRequested() const override { return false; }
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_LEARNING_PRETRAIN_PROGRESS_H_
