// streamtune-workloads: writes generated workload files and checks files.
//
//   streamtune-workloads generate --family NAME|all --count N --seed S --out
//   DIR streamtune-workloads validate FILE... streamtune-workloads families
//
// `generate` writes N workloads per family, seeds S .. S+N-1, as
// DIR/<family>-<seed>.json (DIR is created). Progress goes to stderr.
// Exit status: 0 success, 1 a file could not be written or is invalid,
// 2 bad command line.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "client/sim/generator.h"
#include "client/sim/workload.h"

namespace {

constexpr absl::string_view kUsage =
    "usage:\n"
    "  streamtune-workloads generate --family NAME|all --count N --seed S "
    "--out DIR\n"
    "  streamtune-workloads validate FILE...\n"
    "  streamtune-workloads families\n";

struct GenerateOptions {
  std::string family;   // A family name or "all". Required.
  int count = 1;        // Workloads per family, >= 1.
  uint64_t seed = 1;    // Seed of the first workload of each family.
  std::string out_dir;  // Required; created when missing.
};

int UsageError(absl::string_view message) {
  std::cerr << "streamtune-workloads: " << message << "\n" << kUsage;
  return 2;
}

// Parses "--name value" and "--name=value" flags. Returns an error message.
std::optional<std::string> ParseGenerateFlags(
    const std::vector<std::string>& args, GenerateOptions* options) {
  bool has_family = false;
  bool has_out = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    const size_t equals = name.find('=');
    if (equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    } else if (name.rfind("--", 0) == 0) {
      if (i + 1 >= args.size()) return absl::StrCat(name, ": missing value");
      value = args[++i];
    }
    if (name == "--family") {
      options->family = value;
      has_family = true;
    } else if (name == "--count") {
      if (!absl::SimpleAtoi(value, &options->count) || options->count < 1 ||
          options->count > 100000) {
        return absl::StrCat(
            "--count: must be an integer in [1, 100000], got \"", value, "\"");
      }
    } else if (name == "--seed") {
      if (!absl::SimpleAtoi(value, &options->seed)) {
        return absl::StrCat("--seed: must be a non-negative integer, got \"",
                            value, "\"");
      }
    } else if (name == "--out") {
      options->out_dir = value;
      has_out = !value.empty();
    } else {
      return absl::StrCat("unknown flag \"", name, "\"");
    }
  }
  if (!has_family) return std::string("--family: required");
  if (!has_out) return std::string("--out: required");
  if (options->family != "all") {
    bool known = false;
    for (const std::string& f : streamtune::sim::WorkloadFamilies()) {
      known = known || f == options->family;
    }
    if (!known) {
      return absl::StrCat(
          "--family: unknown family \"", options->family, "\" (known: all, ",
          absl::StrJoin(streamtune::sim::WorkloadFamilies(), ", "), ")");
    }
  }
  return std::nullopt;
}

int Generate(const GenerateOptions& options) {
  std::vector<std::string> families;
  if (options.family == "all") {
    families = streamtune::sim::WorkloadFamilies();
  } else {
    families.push_back(options.family);
  }
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    std::cerr << "streamtune-workloads: cannot create " << options.out_dir
              << ": " << error.message() << "\n";
    return 1;
  }
  const size_t total = families.size() * static_cast<size_t>(options.count);
  size_t done = 0;
  for (const std::string& family : families) {
    for (int i = 0; i < options.count; ++i) {
      const uint64_t seed = options.seed + static_cast<uint64_t>(i);
      absl::StatusOr<streamtune::sim::Workload> workload =
          streamtune::sim::GenerateWorkload(family, seed);
      if (!workload.ok()) {
        std::cerr << "streamtune-workloads: " << workload.status().message()
                  << "\n";
        return 1;
      }
      const std::string json = streamtune::sim::WorkloadToJson(*workload);
      // Every written file must load back exactly (the format is the contract).
      absl::StatusOr<streamtune::sim::Workload> reread =
          streamtune::sim::ParseWorkload(json, workload->name);
      if (!reread.ok() || !(*reread == *workload)) {
        std::cerr << "streamtune-workloads: internal error: " << workload->name
                  << " does not round-trip: "
                  << (reread.ok() ? "values differ"
                                  : std::string(reread.status().message()))
                  << "\n";
        return 1;
      }
      const std::filesystem::path path =
          std::filesystem::path(options.out_dir) / (workload->name + ".json");
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << json;
      out.close();
      if (!out) {
        std::cerr << "streamtune-workloads: cannot write " << path.string()
                  << ": " << std::strerror(errno) << "\n";
        return 1;
      }
      ++done;
      std::cerr << "[" << done << "/" << total << "] wrote " << path.string()
                << " (" << workload->operators.size() << " operators, "
                << workload->duration_s << " s, "
                << streamtune::sim::SemanticsName(workload->semantics) << ")\n";
    }
  }
  return 0;
}

int Validate(const std::vector<std::string>& files) {
  if (files.empty())
    return UsageError("validate: at least one FILE is required");
  int failures = 0;
  for (const std::string& file : files) {
    absl::StatusOr<streamtune::sim::Workload> workload =
        streamtune::sim::LoadWorkloadFile(file);
    if (workload.ok()) {
      std::cerr << "ok " << file << "\n";
    } else {
      ++failures;
      std::cerr << "error: " << workload.status().message() << "\n";
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return UsageError("a command is required");
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "families") {
    for (const std::string& f : streamtune::sim::WorkloadFamilies()) {
      std::cout << f << "\n";
    }
    return 0;
  }
  if (command == "validate") return Validate(args);
  if (command == "generate") {
    GenerateOptions options;
    if (std::optional<std::string> error = ParseGenerateFlags(args, &options)) {
      return UsageError(*error);
    }
    return Generate(options);
  }
  return UsageError(absl::StrCat("unknown command \"", command, "\""));
}
