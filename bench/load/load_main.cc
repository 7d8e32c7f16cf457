// streamtune-load: throughput and p50/p99 latency of Recommend with 1, 2 and
// 3 streamtuned replicas behind nginx, against one replica called directly
// as the baseline measured in the same run: before and after every nginx
// setup, each setup's ratio is against the mean of its two neighbouring
// baselines (the database grows during the run, so throughput drifts).
// Starts everything itself on loopback: a private PostgreSQL (deploy/pg),
// the replicas, nginx with the project's config (deploy/nginx). Prints a
// Markdown table; not run by CI (bench/load/run.sh). With --target it only
// measures that one running server (bench/load/ghz.sh compares it with ghz).
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load/load_run.h"
#include "client/local/local_service.h"
#include "client/local/nginx_process.h"
#include "client/local/private_postgres.h"
#include "client/local/server_process.h"
#include "common/cli_flags.h"
#include "common/proto_json.h"

ABSL_FLAG(int, replicas, 3, "most replicas behind nginx (runs 1..N)");
ABSL_FLAG(int, concurrency, 8, "client threads, one call in flight each");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "measured time per setup");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "unmeasured time before each");
ABSL_FLAG(std::string, policy, "ds2", "policy every Recommend asks for");
ABSL_FLAG(std::string, state_dir, "/tmp/streamtune-load-state",
          "where the private PostgreSQL keeps its data");
ABSL_FLAG(std::string, nginx, "nginx", "nginx binary");
ABSL_FLAG(std::string, out, "", "also write the table to this file");
ABSL_FLAG(std::string, target, "",
          "host:port of a running streamtuned to measure directly, once; starts "
          "nothing (no PostgreSQL, replicas or nginx)");
ABSL_FLAG(std::string, snapshot, STREAMTUNE_EXAMPLE_SNAPSHOT,
          "streamtune.v1.Snapshot JSON every call is made from");

namespace streamtune::load {
namespace {

struct Row {
  std::string setup;
  int replicas;
  LoadResult result;
  double baseline = 0;  // Mean throughput of the neighbouring direct runs.
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "streamtune-load: %s\n", status.ToString().c_str());
  return 1;
}

// Prints the table (and writes --out); each setup's first error goes to stderr.
int Report(const std::vector<Row>& rows) {
  std::string table = absl::StrFormat(
      "| setup | replicas | Recommend/s | vs direct (neighbours) | p50 ms | p99 ms | "
      "errors |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& row : rows) {
    const std::string ratio =
        row.baseline > 0 ? absl::StrFormat("%.2f", row.result.throughput / row.baseline)
                         : "1";
    absl::StrAppendFormat(
        &table, "| %s | %d | %.0f | %s | %.2f | %.2f | %d |\n", row.setup, row.replicas,
        row.result.throughput, ratio, absl::ToDoubleMilliseconds(row.result.p50),
        absl::ToDoubleMilliseconds(row.result.p99), row.result.errors);
  }
  std::printf("%s", table.c_str());
  for (const Row& row : rows) {
    if (!row.result.first_error.empty()) {
      std::fprintf(stderr, "load: %s, first error: %s\n", row.setup.c_str(),
                   row.result.first_error.c_str());
    }
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (!out.empty()) {
    std::FILE* file = std::fopen(out.c_str(), "w");
    if (file == nullptr)
      return Fail(absl::InternalError(absl::StrCat(out, ": cannot write")));
    std::fputs(table.c_str(), file);
    std::fclose(file);
  }
  return 0;
}

int Run() {
  const int replicas = absl::GetFlag(FLAGS_replicas);
  if (replicas < 1) return Fail(absl::InvalidArgumentError("--replicas: must be >= 1"));
  v1::Snapshot base;
  if (absl::Status s = ParseJsonFile(absl::GetFlag(FLAGS_snapshot), &base); !s.ok()) {
    return Fail(s);
  }
  const std::string run = absl::StrCat(std::random_device{}() % 1000000);
  LoadOptions load;
  load.policy = absl::GetFlag(FLAGS_policy);
  load.concurrency = absl::GetFlag(FLAGS_concurrency);
  load.duration = absl::GetFlag(FLAGS_duration);
  load.warmup = absl::GetFlag(FLAGS_warmup);
  std::vector<Row> rows;
  auto measure = [&](const std::string& setup, int n, const std::string& target) {
    load.target = target;
    load.tenant = absl::StrCat("load-", run, "-", rows.size());
    std::fprintf(stderr, "load: %s (%d replica%s) for %s\n", setup.c_str(), n,
                 n == 1 ? "" : "s", absl::FormatDuration(load.duration).c_str());
    absl::StatusOr<LoadResult> result = RunLoad(load, base);
    if (!result.ok()) return result.status();
    rows.push_back({setup, n, *result});
    return absl::OkStatus();
  };
  if (const std::string target = absl::GetFlag(FLAGS_target); !target.empty()) {
    if (absl::Status s = measure("direct (--target)", 1, target); !s.ok())
      return Fail(s);
    return Report(rows);
  }

  std::fprintf(stderr, "load: starting PostgreSQL in %s\n",
               absl::GetFlag(FLAGS_state_dir).c_str());
  auto postgres = local::PrivatePostgres::Start(
      STREAMTUNE_DEPLOY_DIR, absl::GetFlag(FLAGS_state_dir) + "/postgres");
  if (!postgres.ok()) return Fail(postgres.status());
  std::vector<std::unique_ptr<local::ServerProcess>> servers;
  std::vector<std::string> backends;
  for (int r = 0; r < replicas; ++r) {
    local::ServerProcessOptions options;
    options.binary = local::ServerBinaryOr(STREAMTUNE_SERVER_BINARY);
    options.database_url = (*postgres)->url();
    auto server = local::ServerProcess::Start(options);
    if (!server.ok()) return Fail(server.status());
    backends.push_back((*server)->target());
    servers.push_back(*std::move(server));
  }

  auto baseline = [&] { return measure("direct (baseline)", 1, servers[0]->target()); };
  if (absl::Status s = baseline(); !s.ok()) return Fail(s);
  for (int n = 1; n <= replicas; ++n) {
    local::NginxOptions nginx;
    nginx.deploy_dir = STREAMTUNE_DEPLOY_DIR;
    nginx.binary = absl::GetFlag(FLAGS_nginx);
    nginx.backends.assign(backends.begin(), backends.begin() + n);
    auto balancer = local::NginxProcess::Start(nginx);
    if (!balancer.ok()) return Fail(balancer.status());
    if (absl::Status s = measure("nginx", n, (*balancer)->target()); !s.ok())
      return Fail(s);
    balancer->reset();
    if (absl::Status s = baseline(); !s.ok()) return Fail(s);
    Row& setup = rows[rows.size() - 2];
    setup.baseline =
        (rows[rows.size() - 3].result.throughput + rows.back().result.throughput) / 2;
  }
  return Report(rows);
}

}  // namespace
}  // namespace streamtune::load

int main(int argc, char** argv) {
  streamtune::InitFlags(
      "Recommend throughput and latency with 1..N streamtuned replicas behind nginx.\n"
      "Usage: streamtune-load [--replicas=3] [--concurrency=8] [--duration=10s]",
      "bench/load/load_main.cc");
  const absl::StatusOr<std::vector<std::string>> positional =
      streamtune::ParseFlags(argc, argv);
  const absl::Status valid = positional.ok()
                                 ? streamtune::RequireNoArguments(*positional)
                                 : positional.status();
  if (!valid.ok()) return streamtune::UsageError("streamtune-load", valid);
  return streamtune::load::Run();
}
