// streamtunectl quota-set / quotas / quota-clear: the flags as the CLI reads
// them, then the command on an in-memory store (the same Store interface the
// binary opens on PostgreSQL; the PostgreSQL side is the store conformance
// suite's).
#include "client/cli/quota_admin.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/in_memory_store.h"

ABSL_DECLARE_FLAG(std::string, tenant);
ABSL_DECLARE_FLAG(std::string, database_url);
ABSL_DECLARE_FLAG(std::string, calls_per_second);
ABSL_DECLARE_FLAG(std::string, burst);
ABSL_DECLARE_FLAG(std::string, stored_bytes);

namespace streamtune {
namespace cli {
namespace {

using ::testing::HasSubstr;

class QuotaCommandTest : public ::testing::Test {
 protected:
  QuotaCommandTest() { absl::SetFlag(&FLAGS_database_url, "postgresql://unused"); }

  // Parses `command` with the flags set, runs it on the store, returns the
  // printed JSON.
  nlohmann::json Run(const std::string& command) {
    Invocation invocation;
    absl::Status parsed = InvocationFromFlags({command}, &invocation);
    EXPECT_TRUE(parsed.ok()) << parsed;
    std::ostringstream out;
    absl::Status ran = RunQuotaCommand(invocation, store_, out);
    EXPECT_TRUE(ran.ok()) << ran;
    return nlohmann::json::parse(out.str());
  }
  std::string ParseError(const std::string& command) {
    Invocation invocation;
    absl::Status parsed = InvocationFromFlags({command}, &invocation);
    EXPECT_EQ(parsed.code(), absl::StatusCode::kInvalidArgument);
    return std::string(parsed.message());
  }

  absl::FlagSaver restore_flags_;
  InMemoryStore store_;
};

TEST_F(QuotaCommandTest, SetListAndClearAnOverride) {
  absl::SetFlag(&FLAGS_tenant, "acme");
  absl::SetFlag(&FLAGS_calls_per_second, "2.5");
  absl::SetFlag(&FLAGS_stored_bytes, "0");  // unlimited, not "unset"
  const nlohmann::json set = Run("quota-set");
  EXPECT_EQ(set["tenant"], "acme");
  EXPECT_EQ(set["callsPerSecond"], 2.5);
  EXPECT_EQ(set["storedBytes"], 0);
  EXPECT_FALSE(set.contains("burst"));  // the server's flag applies

  absl::SetFlag(&FLAGS_calls_per_second, "");
  absl::SetFlag(&FLAGS_stored_bytes, "");
  absl::SetFlag(&FLAGS_tenant, "");
  const nlohmann::json listed = Run("quotas");
  ASSERT_EQ(listed["quotas"].size(), 1u);
  EXPECT_EQ(listed["quotas"][0]["tenant"], "acme");

  absl::SetFlag(&FLAGS_tenant, "acme");
  EXPECT_EQ(Run("quota-clear")["cleared"], true);
  EXPECT_TRUE(store_.ListTenantQuotas()->empty());
  Invocation again;
  ASSERT_TRUE(InvocationFromFlags({"quota-clear"}, &again).ok());
  std::ostringstream out;
  EXPECT_EQ(RunQuotaCommand(again, store_, out).code(), absl::StatusCode::kNotFound);
}

TEST_F(QuotaCommandTest, RefusesBadLimitsAndMissingArguments) {
  absl::SetFlag(&FLAGS_tenant, "acme");
  EXPECT_THAT(ParseError("quota-set"), HasSubstr("give --calls_per_second, --burst"));
  absl::SetFlag(&FLAGS_calls_per_second, "-1");
  EXPECT_THAT(ParseError("quota-set"),
              HasSubstr("--calls_per_second=-1: must be a number >= 0"));
  absl::SetFlag(&FLAGS_calls_per_second, "nan");
  EXPECT_THAT(ParseError("quota-set"), HasSubstr("--calls_per_second=nan"));
  absl::SetFlag(&FLAGS_calls_per_second, "");
  absl::SetFlag(&FLAGS_burst, "0.5");
  EXPECT_THAT(ParseError("quota-set"), HasSubstr("--burst=0.5: must be a number >= 1"));
  absl::SetFlag(&FLAGS_burst, "");
  absl::SetFlag(&FLAGS_stored_bytes, "1.5");
  EXPECT_THAT(ParseError("quota-set"),
              HasSubstr("--stored_bytes=1.5: must be a whole number >= 0"));
  absl::SetFlag(&FLAGS_stored_bytes, "100");
  absl::SetFlag(&FLAGS_tenant, "");
  EXPECT_THAT(ParseError("quota-set"), HasSubstr("missing --tenant=T"));
  absl::SetFlag(&FLAGS_stored_bytes, "");
  EXPECT_THAT(ParseError("quota-clear"), HasSubstr("missing --tenant=T"));
  absl::SetFlag(&FLAGS_burst, "3");
  EXPECT_THAT(ParseError("quotas"), HasSubstr("--burst does not apply"));
  EXPECT_TRUE(store_.ListTenantQuotas()->empty());  // nothing was written
}

}  // namespace
}  // namespace cli
}  // namespace streamtune
