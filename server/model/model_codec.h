// One model version as one byte string (weights, feature normalisation and
// architecture hyper-parameters), for the model store (docs/algorithm.md §2.7).
// The format is versioned and checksummed; see model_codec.cc for the layout.
#ifndef STREAMTUNE_SERVER_MODEL_MODEL_CODEC_H_
#define STREAMTUNE_SERVER_MODEL_MODEL_CODEC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/model/gnn_model.h"

namespace streamtune {

// Current version written by SerializeModel; DeserializeModel reads it and
// rejects every other.
inline constexpr int kModelFormatVersion = 1;

// The model's bytes. Deterministic: the same model gives the same bytes.
// INTERNAL only if LibTorch fails.
absl::StatusOr<std::string> SerializeModel(const TorchBottleneckModel& model);

// A model equal to the one serialised (it predicts bit for bit the same).
// INVALID_ARGUMENT for anything else: wrong magic, unknown version, bad
// checksum, truncation, implausible architecture, missing or misshapen
// tensors, non-finite values. Never crashes on hostile input.
absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> DeserializeModel(
    absl::string_view bytes);

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_MODEL_MODEL_CODEC_H_
