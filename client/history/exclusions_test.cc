#include "client/history/exclusions.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::history {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh empty folder under the test's temporary directory.
std::filesystem::path TempDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("exclusions-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void Copy(const std::string& name, const std::filesystem::path& to) {
  std::filesystem::copy_file(std::string(STREAMTUNE_WORKLOADS_DIR) + "/" + name, to);
}

TEST(ListWorkloadFiles, ListsTheBenchmarkSuiteSorted) {
  absl::StatusOr<std::vector<std::string>> files =
      ListWorkloadFiles(STREAMTUNE_WORKLOADS_DIR);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_GE(files->size(), 12u);
  EXPECT_TRUE(std::is_sorted(files->begin(), files->end()));
  for (const std::string& file : *files)
    EXPECT_THAT(file, ::testing::EndsWith(".json"));
  // The trace-driven workloads are part of the suite, so excluded by default.
  EXPECT_THAT(*files, ::testing::Contains(std::string(STREAMTUNE_WORKLOADS_DIR) +
                                          "/trace-wiki-pageviews.json"));
  EXPECT_EQ(std::count_if(files->begin(), files->end(),
                          [](const std::string& file) {
                            return file.find("/trace-") != std::string::npos;
                          }),
            6);
}

TEST(ListWorkloadFiles, MissingOrEmptyFolderIsAnErrorNamingIt) {
  const std::filesystem::path dir = TempDir("empty");
  std::ofstream(dir / "README.md") << "not a workload\n";
  absl::StatusOr<std::vector<std::string>> files = ListWorkloadFiles(dir.string());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(files.status().message(),
              HasSubstr(dir.string() + " holds no *.json workload file"));

  files = ListWorkloadFiles((dir / "nope").string());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(files.status().message(),
              HasSubstr("cannot read the folder " + (dir / "nope").string()));
}

TEST(ResolveExclusions, ExcludeFilesThenTheSuite) {
  const std::filesystem::path dir = TempDir("suite");
  Copy("linear-chain.json", dir / "b.json");
  Copy("diamond-contention.json", dir / "a.json");
  const std::string mine =
      std::string(STREAMTUNE_WORKLOADS_DIR) + "/wordcount-hotkey.json";
  absl::StatusOr<std::vector<std::string>> files =
      ResolveExclusions({mine}, true, dir.string());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(*files,
              ElementsAre(mine, (dir / "a.json").string(), (dir / "b.json").string()));

  files = ResolveExclusions({mine}, false, (dir / "nope").string());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(*files, ElementsAre(mine));
}

TEST(ResolveExclusions, FailsLoudlyInsteadOfExcludingLess) {
  const std::filesystem::path dir = TempDir("bad");
  absl::StatusOr<std::vector<std::string>> files =
      ResolveExclusions({}, true, (dir / "missing").string());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(files.status().message(), HasSubstr((dir / "missing").string()));
  EXPECT_THAT(files.status().message(), HasSubstr("--default_exclude=false"));

  std::ofstream(dir / "broken.json") << "{\"name\": ";
  files = ResolveExclusions({}, true, dir.string());
  EXPECT_EQ(files.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(files.status().message(), HasSubstr("broken.json"));

  files = ResolveExclusions({(dir / "absent.json").string()}, false, "");
  EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(files.status().message(),
              HasSubstr("--exclude: cannot read workload file " +
                        (dir / "absent.json").string()));
  files = ResolveExclusions({(dir / "broken.json").string()}, false, "");
  EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(files.status().message(), HasSubstr("--exclude: "));
  EXPECT_THAT(files.status().message(), HasSubstr("broken.json"));
}

}  // namespace
}  // namespace streamtune::history
