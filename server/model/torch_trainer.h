// The LibTorch ModelTrainer: trains, fine-tunes and loads the GNN bottleneck
// models behind the torch-free interface the tuning core uses. The header
// stays free of torch includes.
#ifndef STREAMTUNE_SERVER_MODEL_TORCH_TRAINER_H_
#define STREAMTUNE_SERVER_MODEL_TORCH_TRAINER_H_

#include <memory>

#include "server/core/learning/model_trainer.h"

namespace streamtune {

// Thread-safe; each Train call trains its own copy.
std::unique_ptr<ModelTrainer> MakeTorchModelTrainer();

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_MODEL_TORCH_TRAINER_H_
