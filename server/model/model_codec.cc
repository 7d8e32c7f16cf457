#include "server/model/model_codec.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/fingerprint.h"
#include "server/model/gnn_net.h"

// Layout, all integers little-endian, floats as IEEE-754 bit patterns:
//   "STGNNMDL"                               8-byte magic
//   u32 version (kModelFormatVersion)
//   u32 feature_dim, u32 hidden, u32 layers, u32 num_knots
//   f64 knots[num_knots]
//   u32 num_tensors, then per tensor (parameters, then buffers, by name):
//     u32 name_length, name, u32 ndim, u64 dims[ndim], f32 values[numel]
//   16 lowercase hex digits: FNV-1a 64 of every byte before them.
// Writing the tensors ourselves (rather than torch::save) keeps the bytes
// deterministic, the reader bounds-checked, and the format independent of
// LibTorch's archive version.

namespace streamtune {
namespace {

constexpr absl::string_view kMagic = "STGNNMDL";
constexpr size_t kChecksumChars = 16;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutF64(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutU64(out, bits);
}

void PutTensor(std::string* out, const std::string& name, const torch::Tensor& t) {
  PutU32(out, static_cast<uint32_t>(name.size()));
  out->append(name);
  PutU32(out, static_cast<uint32_t>(t.dim()));
  for (int64_t d : t.sizes()) PutU64(out, static_cast<uint64_t>(d));
  torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  const float* data = c.data_ptr<float>();
  for (int64_t i = 0; i < c.numel(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &data[i], sizeof bits);
    PutU32(out, bits);
  }
}

// Bounds-checked little-endian reader; every getter returns false (and
// reads nothing) past the end.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : bytes_(bytes) {}
  bool U32(uint32_t* v) {
    uint64_t wide;
    if (!Bytes(4, &wide)) return false;
    *v = static_cast<uint32_t>(wide);
    return true;
  }
  bool U64(uint64_t* v) { return Bytes(8, v); }
  bool F64(double* v) {
    uint64_t bits;
    if (!U64(&bits)) return false;
    std::memcpy(v, &bits, sizeof *v);
    return true;
  }
  bool Str(size_t n, std::string* s) {
    if (bytes_.size() - pos_ < n) return false;
    s->assign(bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Floats(int64_t n, float* out) {
    if (n < 0 || (bytes_.size() - pos_) / 4 < static_cast<size_t>(n)) return false;
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits = 0;
      U32(&bits);
      std::memcpy(&out[i], &bits, sizeof bits);
    }
    return true;
  }
  bool at_end() const { return pos_ == bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  bool Bytes(int n, uint64_t* v) {
    if (bytes_.size() - pos_ < static_cast<size_t>(n)) return false;
    uint64_t r = 0;
    for (int i = 0; i < n; ++i) {
      r |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[pos_ + i]))
           << (8 * i);
    }
    pos_ += n;
    *v = r;
    return true;
  }

  absl::string_view bytes_;
  size_t pos_ = 0;
};

absl::Status Corrupt(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("model bytes: ", what));
}

absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> Parse(absl::string_view body) {
  Reader in(body);
  std::string magic;
  if (!in.Str(kMagic.size(), &magic) || magic != kMagic) return Corrupt("bad magic");
  uint32_t version;
  if (!in.U32(&version)) return Corrupt("truncated header");
  if (version != kModelFormatVersion) {
    return Corrupt(absl::StrCat("unsupported format version ", version));
  }
  uint32_t feature_dim, hidden, layers, num_knots;
  if (!in.U32(&feature_dim) || !in.U32(&hidden) || !in.U32(&layers) ||
      !in.U32(&num_knots)) {
    return Corrupt("truncated header");
  }
  GnnConfig config;
  // Range-check before narrowing so a huge u32 cannot wrap to a valid int.
  if (feature_dim > 1u << 20 || hidden > 1u << 20 || layers > 1u << 20 ||
      num_knots > 1u << 20) {
    return Corrupt("implausible architecture");
  }
  config.feature_dim = static_cast<int>(feature_dim);
  config.hidden = static_cast<int>(hidden);
  config.layers = static_cast<int>(layers);
  config.knots.assign(num_knots, 0.0);
  for (double& knot : config.knots) {
    if (!in.F64(&knot)) return Corrupt("truncated knots");
  }
  absl::Status valid = ValidateGnnConfig(config);
  if (!valid.ok()) return Corrupt(valid.message());
  // The weights must fit in what is left of the input: a resealed header
  // cannot make us allocate more than the bytes we were given.
  const uint64_t f = feature_dim, h = hidden, k = num_knots;
  const uint64_t floats =
      (3 * f * h + h) + (layers - 1) * (3 * h * h + h) + (h + 1) + (h * k + k) + 2 * f;
  if (floats * 4 > in.remaining()) return Corrupt("truncated tensor data");

  auto impl = std::make_unique<TorchBottleneckModel::Impl>(config);
  absl::flat_hash_map<std::string, torch::Tensor> expected;
  for (auto& item : impl->net->named_parameters()) expected[item.key()] = item.value();
  for (auto& item : impl->net->named_buffers()) expected[item.key()] = item.value();

  uint32_t num_tensors;
  if (!in.U32(&num_tensors)) return Corrupt("truncated tensor count");
  if (num_tensors != expected.size()) return Corrupt("wrong number of tensors");
  torch::NoGradGuard no_grad;
  for (uint32_t i = 0; i < num_tensors; ++i) {
    uint32_t name_length;
    std::string name;
    if (!in.U32(&name_length) || !in.Str(name_length, &name)) {
      return Corrupt("truncated tensor name");
    }
    auto it = expected.find(name);
    if (it == expected.end()) return Corrupt(absl::StrCat("unexpected tensor ", name));
    torch::Tensor target = it->second;
    expected.erase(it);
    uint32_t ndim;
    if (!in.U32(&ndim) || ndim != static_cast<uint32_t>(target.dim())) {
      return Corrupt(absl::StrCat("bad rank of ", name));
    }
    for (uint32_t d = 0; d < ndim; ++d) {
      uint64_t size;
      if (!in.U64(&size) || size != static_cast<uint64_t>(target.size(d))) {
        return Corrupt(absl::StrCat("bad shape of ", name));
      }
    }
    // `target` is a fresh contiguous float tensor owned by `impl`.
    float* data = target.data_ptr<float>();
    if (!in.Floats(target.numel(), data)) return Corrupt("truncated tensor data");
    for (int64_t j = 0; j < target.numel(); ++j) {
      if (!std::isfinite(data[j])) return Corrupt(absl::StrCat("non-finite ", name));
    }
  }
  if (!in.at_end()) return Corrupt("trailing bytes");
  if (!(impl->net->feature_std > 0).all().item<bool>()) {
    return Corrupt("feature_std must be positive");
  }
  return TorchBottleneckModel::FromImpl(std::move(impl));
}

}  // namespace

absl::StatusOr<std::string> SerializeModel(const TorchBottleneckModel& model) {
  try {
    const GnnConfig& config = model.config();
    std::string out(kMagic.data(), kMagic.size());
    PutU32(&out, kModelFormatVersion);
    PutU32(&out, static_cast<uint32_t>(config.feature_dim));
    PutU32(&out, static_cast<uint32_t>(config.hidden));
    PutU32(&out, static_cast<uint32_t>(config.layers));
    PutU32(&out, static_cast<uint32_t>(config.knots.size()));
    for (double knot : config.knots) PutF64(&out, knot);
    const GnnNetImpl& net = *model.impl().net;
    auto params = net.named_parameters();
    auto buffers = net.named_buffers();
    PutU32(&out, static_cast<uint32_t>(params.size() + buffers.size()));
    for (const auto& item : params) PutTensor(&out, item.key(), item.value());
    for (const auto& item : buffers) PutTensor(&out, item.key(), item.value());
    out.append(Fnv1aHex(out));
    return out;
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("torch: ", e.what_without_backtrace()));
  }
}

absl::StatusOr<std::unique_ptr<TorchBottleneckModel>> DeserializeModel(
    absl::string_view bytes) {
  if (bytes.size() < kMagic.size() + kChecksumChars) return Corrupt("too short");
  const absl::string_view body = bytes.substr(0, bytes.size() - kChecksumChars);
  const absl::string_view checksum = bytes.substr(bytes.size() - kChecksumChars);
  if (Fnv1aHex(body) != checksum) return Corrupt("checksum mismatch");
  try {
    return Parse(body);
  } catch (const c10::Error& e) {
    return Corrupt(absl::StrCat("torch: ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    // bad_alloc and the like: still a bad input, not a crash.
    return Corrupt(e.what());
  }
}

}  // namespace streamtune
