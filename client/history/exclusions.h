// Which workload files streamtune-history keeps out of the generated
// history: the --exclude files plus, by default, every *.json of the
// benchmark suite (bench/workloads). A missing or empty folder or an
// unreadable file is an error, never silently "nothing excluded": the
// benchmark must not test on training data. Thread-safe (reads files only).
#ifndef STREAMTUNE_CLIENT_HISTORY_EXCLUSIONS_H_
#define STREAMTUNE_CLIENT_HISTORY_EXCLUSIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace streamtune::history {

// Every *.json directly in `dir`, sorted. FAILED_PRECONDITION naming `dir`
// when it cannot be read or holds no *.json.
absl::StatusOr<std::vector<std::string>> ListWorkloadFiles(const std::string& dir);

// `exclude_files` followed, when `default_exclude`, by ListWorkloadFiles(
// `default_dir`); every file must load as a workload (sim::LoadWorkloadFile).
// The first problem: FAILED_PRECONDITION naming the folder and how to go
// without it, or INVALID_ARGUMENT "--exclude: " plus the file's error.
absl::StatusOr<std::vector<std::string>> ResolveExclusions(
    const std::vector<std::string>& exclude_files, bool default_exclude,
    const std::string& default_dir);

}  // namespace streamtune::history

#endif  // STREAMTUNE_CLIENT_HISTORY_EXCLUSIONS_H_
