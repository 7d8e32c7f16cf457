#include "server/model/model_codec.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/fingerprint.h"
#include "gtest/gtest.h"
#include "server/model/test_samples.h"
#include "server/model/trainer.h"

namespace streamtune {
namespace {

using ::streamtune::testing::SyntheticSamples;

// A briefly trained model: non-trivial weights and normalisation.
std::unique_ptr<TorchBottleneckModel> TrainedModel() {
  TrainOptions options;
  options.epochs = 2;
  options.hidden = 24;
  options.layers = 2;
  auto result = TrainModel(SyntheticSamples(6, 3, 4), options);
  EXPECT_TRUE(result.ok()) << result.status();
  return std::move(result->model);
}

// Replaces the checksum so a test can reach the checks behind it.
std::string Reseal(std::string bytes) {
  bytes.resize(bytes.size() - 16);
  return bytes + Fnv1aHex(bytes);
}

TEST(ModelCodec, ReloadedModelPredictsBitForBit) {
  auto model = TrainedModel();
  auto bytes = SerializeModel(*model);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto loaded = DeserializeModel(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->config().hidden, 24);
  EXPECT_EQ((*loaded)->config().layers, 2);
  EXPECT_EQ((*loaded)->config().knots, model->config().knots);
  EXPECT_EQ((*loaded)->FlatParameters(), model->FlatParameters());
  EXPECT_EQ((*loaded)->feature_mean(), model->feature_mean());
  EXPECT_EQ((*loaded)->feature_std(), model->feature_std());
  for (const TrainingSample& s : SyntheticSamples(5, 2, 77)) {
    auto a = model->Prepare(s.graph);
    auto b = (*loaded)->Prepare(s.graph);
    ASSERT_TRUE(a.ok() && b.ok());
    for (int v = 0; v < s.graph.num_nodes; ++v) {
      for (int p : {1, 2, 3, 7, 64, 1000}) {
        EXPECT_EQ((*a)->Probability(v, p), (*b)->Probability(v, p));
      }
    }
  }
  // Deterministic bytes: a reloaded model serialises identically.
  auto again = SerializeModel(**loaded);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
}

TEST(ModelCodec, RejectsCorruptBytes) {
  GnnConfig config;
  config.hidden = 8;
  config.layers = 1;
  auto model = TorchBottleneckModel::Create(config, 3);
  ASSERT_TRUE(model.ok());
  auto bytes = SerializeModel(**model);
  ASSERT_TRUE(bytes.ok());
  const std::string& good = *bytes;
  ASSERT_TRUE(DeserializeModel(good).ok());

  auto rejected = [](const std::string& b) {
    return DeserializeModel(b).status().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(rejected(""));
  EXPECT_TRUE(rejected("not a model at all, just some text"));
  for (size_t length = 0; length < good.size(); length += 7) {
    EXPECT_TRUE(rejected(good.substr(0, length))) << "truncated to " << length;
  }
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    std::string flipped = good;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
    EXPECT_TRUE(rejected(flipped));
  }
  // Behind a valid checksum: the reader's own checks.
  std::string garbage(good.size(), '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  EXPECT_TRUE(rejected(Reseal(garbage)));
  std::string version = good;
  version[8] = 2;  // u32 version right after the 8-byte magic.
  EXPECT_TRUE(rejected(Reseal(version)));
  std::string huge = good;
  const uint32_t hidden = 0x7fffffff;
  std::memcpy(&huge[16], &hidden, 4);  // feature_dim at 12, hidden at 16.
  EXPECT_TRUE(rejected(Reseal(huge)));
  // A valid but large architecture whose weights are not in the bytes is
  // rejected before anything that size is allocated.
  std::string large = good;
  const uint32_t width = 4096, layers = 16;
  std::memcpy(&large[16], &width, 4);
  std::memcpy(&large[20], &layers, 4);
  EXPECT_TRUE(rejected(Reseal(large)));
  std::string trailing = good.substr(0, good.size() - 16) + "x";
  EXPECT_TRUE(rejected(Reseal(trailing + "0123456789abcdef")));
  // A NaN weight: the last 4 bytes before the checksum are a float.
  std::string nan_weight = good;
  const float nan = std::nanf("");
  std::memcpy(&nan_weight[good.size() - 20], &nan, 4);
  EXPECT_TRUE(rejected(Reseal(nan_weight)));
}

}  // namespace
}  // namespace streamtune
