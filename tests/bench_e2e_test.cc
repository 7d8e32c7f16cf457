// End to end: streamtune-bench starts its own private PostgreSQL and
// streamtuned, runs the three baselines on the linear-chain workload of bench/workloads
// over gRPC, and writes results.json, report.md and a plot.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace streamtune {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class BenchE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    out_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     absl::StrCat("streamtune-bench-e2e-", getpid()));
    const std::string command = absl::StrCat(
        STREAMTUNE_BENCH_BINARY,
        " run --policy=ds2,flink-autoscaler,conttune --out=", out_->string(),
        " --state_dir=", (*out_ / "state").string(), " ", STREAMTUNE_WORKLOADS_DIR,
        "/linear-chain.json > ", (*out_ / "stderr.log").string(), " 2>&1");
    std::filesystem::create_directories(*out_);
    exit_code_ = std::system(command.c_str());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*out_);
    delete out_;
  }

  void SetUp() override {
    ASSERT_EQ(exit_code_, 0) << ReadFile(*out_ / "stderr.log");
    results_ = nlohmann::json::parse(ReadFile(*out_ / "results.json"));
    ASSERT_EQ(results_.at("runs").size(), 3u);
  }

  const nlohmann::json& RunOf(const std::string& policy) {
    for (const auto& run : results_["runs"]) {
      if (run["policy"] == policy) return run;
    }
    ADD_FAILURE() << "no run of " << policy;
    return results_;
  }

  static std::filesystem::path* out_;
  static int exit_code_;
  nlohmann::json results_;
};

std::filesystem::path* BenchE2eTest::out_ = nullptr;
int BenchE2eTest::exit_code_ = -1;

TEST_F(BenchE2eTest, WritesEveryMetricForEveryRun) {
  for (const auto& run : results_["runs"]) {
    EXPECT_EQ(run["workload"], "linear-chain");
    for (const char* metric :
         {"reconfigurations", "avg_total_parallelism", "parallelism_vs_oracle",
          "slo_attainment", "max_lag_s", "steps_to_converge", "oracle_reconfigurations",
          "avg_oracle_total_parallelism", "timeline"}) {
      EXPECT_TRUE(run.contains(metric)) << metric << " missing in " << run["policy"];
    }
    EXPECT_GT(run["timeline"].size(), 50u);
  }
  EXPECT_THAT(ReadFile(*out_ / "report.md"), HasSubstr("## linear-chain"));
  EXPECT_THAT(ReadFile(*out_ / "plots" / "linear-chain.svg"), HasSubstr("<svg"));
  EXPECT_THAT(ReadFile(*out_ / "stderr.log"),
              HasSubstr("[3/3] conttune on linear-chain"));
}

// Issue 3's checks of the baselines (reported, never tuned for): DS2 is
// backpressure-free within 2 reconfigurations of each rate change, and the
// Flink autoscaler algorithm buys its SLO with more parallelism than DS2.
TEST_F(BenchE2eTest, Ds2ConvergesWithinTwoReconfigurationsOfEachRateChange) {
  const auto& steps = RunOf("ds2")["steps_to_converge"];
  ASSERT_EQ(steps.size(), 3u);
  for (const auto& s : steps) {
    ASSERT_FALSE(s.is_null()) << "a rate change never converged";
    EXPECT_LE(s.get<double>(), 2);
  }
}

TEST_F(BenchE2eTest, FlinkAutoscalerUsesMoreParallelismThanDs2) {
  EXPECT_GT(RunOf("flink-autoscaler")["avg_total_parallelism"].get<double>(),
            RunOf("ds2")["avg_total_parallelism"].get<double>());
}

// The private stack runs like a deployment (TLS, a token per tenant), not
// --insecure_local_only; the run got through, so its calls carried both.
TEST_F(BenchE2eTest, PrivateStackServesTlsWithThrowawayCertificates) {
  EXPECT_THAT(ReadFile(*out_ / "stderr.log"),
              HasSubstr("(TLS, throwaway certificates in "));
}

}  // namespace
}  // namespace streamtune
