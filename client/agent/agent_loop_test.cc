#include "client/agent/agent_loop.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace streamtune::agent {
namespace {

using ::testing::ElementsAre;

// A scripted engine: `points` decision points, some of them restarting.
class ScriptedEngine : public EngineAdapter {
 public:
  explicit ScriptedEngine(std::vector<bool> restarting)
      : restarting_(std::move(restarting)) {}

  absl::StatusOr<bool> AwaitDecisionPoint() override {
    return ++point_ < static_cast<int>(restarting_.size());
  }
  absl::StatusOr<bool> Restarting() override { return restarting_[point_]; }
  absl::StatusOr<v1::Snapshot> TakeSnapshot() override {
    if (fail_snapshot_at_ == point_) return absl::UnavailableError("engine gone");
    v1::Snapshot s;
    s.set_snapshot_id(absl::StrCat("p", point_));
    snapshots_.push_back(point_);
    return s;
  }
  absl::StatusOr<bool> Apply(const std::vector<int>& parallelism) override {
    applied_.push_back(parallelism);
    return true;
  }

  int point_ = -1;
  int fail_snapshot_at_ = -1;
  std::vector<bool> restarting_;
  std::vector<int> snapshots_;
  std::vector<std::vector<int>> applied_;
};

TEST(RunAgentLoop, SkipsRestartsAndAppliesOnlyAnswers) {
  ScriptedEngine engine({false, true, false, false});
  int calls = 0;
  Decider decide =
      [&](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
    ++calls;
    if (s.snapshot_id() == "p2") return std::optional<std::vector<int>>({3, 4});
    return std::optional<std::vector<int>>();
  };
  ASSERT_TRUE(RunAgentLoop(engine, decide).ok());
  EXPECT_EQ(calls, 3);
  EXPECT_THAT(engine.snapshots_, ElementsAre(0, 2, 3));
  ASSERT_EQ(engine.applied_.size(), 1u);
  EXPECT_THAT(engine.applied_[0], ElementsAre(3, 4));
}

TEST(RunAgentLoop, StopsAtTheFirstDeciderErrorNamingTheSnapshot) {
  ScriptedEngine engine({false, false, false});
  Decider decide =
      [](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
    if (s.snapshot_id() == "p1") return absl::UnavailableError("service down");
    return std::optional<std::vector<int>>();
  };
  absl::Status status = RunAgentLoop(engine, decide);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "snapshot p1: service down");
  EXPECT_THAT(engine.snapshots_, ElementsAre(0, 1));
}

TEST(RunAgentLoop, ReturnsEngineErrors) {
  ScriptedEngine engine({false, false});
  engine.fail_snapshot_at_ = 1;
  EXPECT_EQ(RunAgentLoop(engine, NoChangeDecider()).message(), "engine gone");
}

TEST(RunAgentLoop, OnErrorKeepsGoingWhenItSaysSo) {
  ScriptedEngine engine({false, false, false, false});
  engine.fail_snapshot_at_ = 1;
  Decider decide =
      [](const v1::Snapshot& s) -> absl::StatusOr<std::optional<std::vector<int>>> {
    if (s.snapshot_id() == "p2") return absl::UnavailableError("service down");
    return std::optional<std::vector<int>>(std::vector<int>{2});
  };
  std::vector<std::string> errors;
  AgentLoopOptions options;
  options.on_error = [&](AgentStep step, const absl::Status& error) {
    errors.push_back(absl::StrCat(AgentStepName(step), ": ", error.message()));
    return true;
  };
  ASSERT_TRUE(RunAgentLoop(engine, decide, options).ok());
  EXPECT_THAT(errors, ElementsAre("snapshot: engine gone",
                                  "decide: snapshot p2: service down"));
  EXPECT_EQ(engine.applied_.size(), 2u);  // p0 and p3.
}

TEST(RunAgentLoop, OnErrorCanEndTheLoop) {
  ScriptedEngine engine({false, false, false});
  engine.fail_snapshot_at_ = 0;
  AgentLoopOptions options;
  int calls = 0;
  options.on_error = [&](AgentStep, const absl::Status&) { return ++calls < 1; };
  EXPECT_EQ(RunAgentLoop(engine, NoChangeDecider(), options).message(), "engine gone");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace streamtune::agent
