// streamtune-workloads: writes generated workload files and checks files.
// The command line (kWorkloadsUsage) is read in workloads_flags.cc.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "client/sim/generator.h"
#include "client/sim/workload.h"
#include "client/sim/workloads_flags.h"
#include "common/cli_flags.h"

namespace {

using streamtune::sim::GenerateOptions;

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
    std::cerr << "streamtune-workloads: cannot create " << options.out_dir << ": "
              << error.message() << "\n";
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
        std::cerr << "streamtune-workloads: " << workload.status().message() << "\n";
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
        std::cerr << "streamtune-workloads: cannot write " << path.string() << ": "
                  << std::strerror(errno) << "\n";
        return 1;
      }
      ++done;
      std::cerr << "[" << done << "/" << total << "] wrote " << path.string() << " ("
                << workload->operators.size() << " operators, " << workload->duration_s
                << " s, " << streamtune::sim::SemanticsName(workload->semantics)
                << ")\n";
    }
  }
  return 0;
}

int Validate(const std::vector<std::string>& files) {
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
  streamtune::InitFlags(streamtune::sim::kWorkloadsUsage,
                        "client/sim/workloads_flags.cc");
  absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  if (!positional.ok()) {
    return streamtune::UsageError("streamtune-workloads", positional.status());
  }
  absl::StatusOr<streamtune::sim::WorkloadsCommand> command =
      streamtune::sim::WorkloadsCommandFromFlags(*positional);
  if (!command.ok()) {
    return streamtune::UsageError("streamtune-workloads", command.status());
  }
  if (command->name == "families") {
    for (const std::string& f : streamtune::sim::WorkloadFamilies()) {
      std::cout << f << "\n";
    }
    return 0;
  }
  if (command->name == "validate") return Validate(command->files);
  return Generate(command->generate);
}
