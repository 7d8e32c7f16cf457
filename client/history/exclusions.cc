#include "client/history/exclusions.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/sim/workload.h"

namespace streamtune::history {

absl::StatusOr<std::vector<std::string>> ListWorkloadFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->path().extension() == ".json") files.push_back(it->path().string());
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the folder ", dir, ": ", error.message()));
  }
  if (files.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the folder ", dir, " holds no *.json workload file"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<std::vector<std::string>> ResolveExclusions(
    const std::vector<std::string>& exclude_files, bool default_exclude,
    const std::string& default_dir) {
  constexpr absl::string_view kDefault = "default exclusions (the benchmark suite): ";
  std::vector<std::string> files = exclude_files;
  if (default_exclude) {
    absl::StatusOr<std::vector<std::string>> suite = ListWorkloadFiles(default_dir);
    if (!suite.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(kDefault, suite.status().message(),
                       "; pass --default_exclude=false to generate without them"));
    }
    files.insert(files.end(), suite->begin(), suite->end());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    absl::StatusOr<sim::Workload> workload = sim::LoadWorkloadFile(files[i]);
    if (workload.ok()) continue;
    if (i < exclude_files.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--exclude: ", workload.status().message()));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(kDefault, workload.status().message()));
  }
  return files;
}

}  // namespace streamtune::history
