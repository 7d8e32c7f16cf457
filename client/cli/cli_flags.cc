#include "client/cli/cli_flags.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

ABSL_FLAG(std::string, server, "", "server address HOST:PORT (required)");
ABSL_FLAG(std::string, tenant, "",
          "tenant, sent as x-streamtune-tenant (default: the server's default tenant)");
ABSL_FLAG(
    std::string, timeout, "10s",
    "deadline of each call, retries included: a duration (10s, 500ms) or seconds");
ABSL_FLAG(std::string, wait, "0s", "health: poll until SERVING for at most this long");
ABSL_FLAG(std::string, snapshot, "",
          "recommend, report: snapshot file (streamtune.v1.Snapshot as JSON)");
ABSL_FLAG(std::string, policy, "", "recommend: policy to ask (default: the server's)");
ABSL_FLAG(int32_t, page_size, 0,
          "jobs, history, recommendations: page size, 0..1000 (0: the server's)");
ABSL_FLAG(std::string, page_token, "", "jobs, recommendations: page to start at");
ABSL_FLAG(bool, all, false, "jobs, recommendations: follow page tokens to the end");
ABSL_FLAG(std::string, start_time, "",
          "jobs, recommendations: from this RFC 3339 time or duration ago (90m)");
ABSL_FLAG(std::string, end_time, "",
          "jobs, recommendations: before this RFC 3339 time or duration ago");
ABSL_FLAG(int64_t, version, 0, "model: version (0: the newest)");
ABSL_FLAG(int64_t, seed, 0, "pretrain: seed");
ABSL_FLAG(int64_t, max_training_steps, 0,
          "pretrain: most training steps per model (0: the server's)");
ABSL_FLAG(bool, async, false,
          "pretrain: print the operation and return at once instead of waiting");
ABSL_FLAG(std::string, database_url, "",
          "token and quota commands: PostgreSQL URL of the service "
          "(default: $STREAMTUNE_DATABASE_URL)");
ABSL_FLAG(std::string, role, "tenant", "token-create: tenant or admin");
ABSL_FLAG(std::string, description, "", "token-create: what the token is for");
// Strings, so that "not given" (the server's flag applies) differs from 0
// (unlimited).
ABSL_FLAG(std::string, calls_per_second, "",
          "quota-set: calls per second per replica (0: unlimited; unset: the "
          "server's --quota_calls_per_second)");
ABSL_FLAG(std::string, burst, "",
          "quota-set: calls at once after a quiet spell, >= 1 (unset: one "
          "second's worth of --calls_per_second, or the server's --quota_burst)");
ABSL_FLAG(std::string, stored_bytes, "",
          "quota-set: bytes of snapshots the tenant may store (0: unlimited; "
          "unset: the server's --quota_stored_bytes)");

namespace streamtune {
namespace cli {
namespace {

struct CommandSpec {
  const char* name;
  const char* synopsis;     // after "streamtunectl [GLOBAL FLAGS] "
  const char* description;  // one or more lines, each indented by the caller
  const char* positional;   // name of the one positional argument, or nullptr
};

constexpr CommandSpec kCommands[] = {
    {"health", "health [--wait=DURATION]",
     "Prints the server's health (SERVING, NOT_SERVING, ...); exits 0 only\n"
     "when SERVING. --wait polls until SERVING for at most DURATION.",
     nullptr},
    {"recommend", "recommend --snapshot FILE.json [--policy NAME]",
     "Sends the snapshot (a streamtune.v1.Snapshot in protobuf JSON) and\n"
     "prints the recommendation. The server stores the snapshot.",
     nullptr},
    {"report", "report --snapshot FILE.json",
     "Stores the snapshot without asking for advice.", nullptr},
    {"jobs",
     "jobs [--start_time T] [--end_time T] [--page_size N] [--page_token T] [--all]",
     "Lists the tenant's jobs; --all follows page tokens to the last page.\n"
     "--start_time/--end_time keep the jobs observed in [start, end): an\n"
     "RFC 3339 time (2026-11-23T10:00:00Z) or a duration ago (90m, 24h).",
     nullptr},
    {"recommendations",
     "recommendations JOB [--start_time T] [--end_time T] [--page_size N] "
     "[--page_token T] "
     "[--all]",
     "Lists the job's recommendations, oldest first; --start_time/--end_time\n"
     "keep those made in [start, end) (RFC 3339, or a duration ago such as\n"
     "1h); --all follows page tokens to the last page.",
     "JOB"},
    {"job", "job JOB", "Prints one job's summary.", "JOB"},
    {"history", "history JOB [--page_size N]",
     "Prints every stored snapshot and recommendation of the job, oldest\n"
     "first, following page tokens.",
     "JOB"},
    {"models", "models", "Lists the tenant's models (every page).", nullptr},
    {"model", "model ID [--version N]",
     "Prints one model's metadata; version 0 (default) is the newest.", "ID"},
    {"pretrain", "pretrain [--seed N] [--max_training_steps N] [--async]",
     "Starts pre-training on the server (it clusters the stored history and\n"
     "trains one model per cluster; --max_training_steps bounds the steps per\n"
     "model: a quick, weaker run), shows its progress on stderr and prints the\n"
     "published models. Interrupting the wait leaves the operation running.\n"
     "--async prints the operation (its name) and returns at once.",
     nullptr},
    {"operation", "operation NAME",
     "Prints one operation: progress, state, and its result once done.", "NAME"},
    {"operations", "operations", "Lists the tenant's operations, newest first.",
     nullptr},
    {"cancel", "cancel NAME",
     "Asks a running operation to stop (it ends CANCELLED within seconds,\n"
     "publishing nothing) and prints it.",
     "NAME"},
    {"token-create",
     "token-create --tenant=T [--role=tenant|admin] [--description=TEXT] "
     "[--database_url=URL]",
     "Issues an API token for tenant T and prints it once (only its digest\n"
     "is stored). Works on PostgreSQL directly (--database_url or\n"
     "$STREAMTUNE_DATABASE_URL), not through a server: it bootstraps access.",
     nullptr},
    {"tokens", "tokens [--tenant=T] [--database_url=URL]",
     "Lists API tokens (all tenants', or T's): id, tenant, role, created,\n"
     "revoked. Never the secrets.",
     nullptr},
    {"token-revoke", "token-revoke TOKEN_ID [--database_url=URL]",
     "Revokes a token; replicas refuse it within --token_cache_ttl.", "TOKEN_ID"},
    {"quota-set",
     "quota-set --tenant=T [--calls_per_second=R] [--burst=B] [--stored_bytes=N] "
     "[--database_url=URL]",
     "Sets tenant T's quota override, replacing any previous one (a limit\n"
     "not given falls back to the server's flag; 0 is unlimited). Every\n"
     "replica applies it within --quota_refresh_interval. On PostgreSQL\n"
     "directly, like the token commands.",
     nullptr},
    {"quotas", "quotas [--tenant=T] [--database_url=URL]",
     "Lists the per-tenant quota overrides (all, or T's).", nullptr},
    {"quota-clear", "quota-clear --tenant=T [--database_url=URL]",
     "Removes tenant T's override: the server's flags apply again.", nullptr},
};

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

absl::Status Bad(const Invocation& inv, absl::string_view message) {
  if (inv.command.name.empty()) return absl::InvalidArgumentError(message);
  return absl::InvalidArgumentError(absl::StrCat(inv.command.name, ": ", message));
}

absl::Status CheckRange(absl::string_view flag, int64_t value, int64_t min,
                        int64_t max) {
  if (value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": want an integer in [",
                                                   min, ", ", max, "], got \"", value,
                                                   "\""));
  }
  return absl::OkStatus();
}

// "10s", "500ms", "1m30s" (absl::ParseDuration), or plain seconds ("2.5").
absl::Status ParseDurationFlag(absl::string_view flag, absl::string_view value,
                               bool allow_zero, absl::Duration* out) {
  double seconds = 0;
  bool ok = absl::ParseDuration(value, out);
  if (!ok && absl::SimpleAtod(value, &seconds)) {
    *out = absl::Seconds(seconds);
    ok = true;
  }
  if (!ok || *out < absl::ZeroDuration() || *out == absl::InfiniteDuration() ||
      (!allow_zero && *out == absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": want a ", allow_zero ? "" : "positive ",
                     "duration such as 10s or 500ms, got \"", value, "\""));
  }
  return absl::OkStatus();
}

// An RFC 3339 time ("2026-11-23T10:00:00Z") or a duration before now
// ("90m", "24h").
absl::Status ParseTimeFlag(absl::string_view flag, absl::string_view value,
                           std::optional<absl::Time>* out) {
  absl::Time time;
  std::string error;
  absl::Duration ago;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    *out = time;
    return absl::OkStatus();
  }
  if (absl::ParseDuration(value, &ago) && ago >= absl::ZeroDuration() &&
      ago != absl::InfiniteDuration()) {
    *out = absl::Now() - ago;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag,
                   ": want an RFC 3339 time such as 2026-11-23T10:00:00Z or a "
                   "duration ago such as 1h, got \"",
                   value, "\""));
}

// Command-specific flags and the commands that use them.
struct CommandFlag {
  const char* name;
  const char* commands;  // space-separated
};

constexpr CommandFlag kCommandFlags[] = {
    {"wait", "health"},
    {"snapshot", "recommend report"},
    {"policy", "recommend"},
    {"page_size", "jobs history recommendations"},
    {"page_token", "jobs recommendations"},
    {"all", "jobs recommendations"},
    {"start_time", "jobs recommendations"},
    {"end_time", "jobs recommendations"},
    {"version", "model"},
    {"seed", "pretrain"},
    {"max_training_steps", "pretrain"},
    {"async", "pretrain"},
    {"database_url", "token-create tokens token-revoke quota-set quotas quota-clear"},
    {"role", "token-create"},
    {"description", "token-create"},
    {"calls_per_second", "quota-set"},
    {"burst", "quota-set"},
    {"stored_bytes", "quota-set"},
};

// A flag counts as given when its value differs from its default (so an
// explicit default value, e.g. --page_size=0, passes unnoticed).
absl::Status CheckCommandFlags(const Invocation& inv) {
  for (const CommandFlag& flag : kCommandFlags) {
    const absl::CommandLineFlag* reflected = absl::FindCommandLineFlag(flag.name);
    if (reflected->CurrentValue() == reflected->DefaultValue()) continue;
    bool used = false;
    for (absl::string_view c : absl::StrSplit(flag.commands, ' ')) {
      used = used || c == inv.command.name;
    }
    if (!used) {
      return Bad(inv, absl::StrCat("--", flag.name, " does not apply to this command"));
    }
  }
  return absl::OkStatus();
}

// An optional number flag ("" when not given) of at least `min`.
template <typename Number>
absl::Status ParseOptionalNumber(absl::string_view flag, const std::string& text,
                                 Number min, std::optional<Number>* out) {
  if (text.empty()) return absl::OkStatus();
  Number value;
  bool parsed;
  if constexpr (std::is_floating_point_v<Number>) {
    parsed = absl::SimpleAtod(text, &value) && std::isfinite(value);
  } else {
    parsed = absl::SimpleAtoi(text, &value);
  }
  if (!parsed || value < min) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", text, ": must be ",
        std::is_floating_point_v<Number> ? "a number" : "a whole number", " >= ", min));
  }
  *out = value;
  return absl::OkStatus();
}

// The flags' values into `*out`, each checked.
absl::Status ReadFlags(Invocation* out) {
  GlobalFlags& global = out->global;
  CommandArgs& cmd = out->command;
  global.server = absl::GetFlag(FLAGS_server);
  global.tenant = absl::GetFlag(FLAGS_tenant);
  STREAMTUNE_RETURN_IF_ERROR(ParseDurationFlag("timeout", absl::GetFlag(FLAGS_timeout),
                                               false, &global.timeout));
  STREAMTUNE_RETURN_IF_ERROR(
      ParseDurationFlag("wait", absl::GetFlag(FLAGS_wait), true, &cmd.wait));
  cmd.snapshot_path = absl::GetFlag(FLAGS_snapshot);
  cmd.policy = absl::GetFlag(FLAGS_policy);
  int64_t page_size = absl::GetFlag(FLAGS_page_size);
  STREAMTUNE_RETURN_IF_ERROR(CheckRange("page_size", page_size, 0, 1000));
  cmd.page_size = static_cast<int32_t>(page_size);
  cmd.page_token = absl::GetFlag(FLAGS_page_token);
  cmd.all_pages = absl::GetFlag(FLAGS_all);
  const std::string start_time = absl::GetFlag(FLAGS_start_time);
  if (!start_time.empty()) {
    STREAMTUNE_RETURN_IF_ERROR(
        ParseTimeFlag("start_time", start_time, &cmd.start_time));
  }
  const std::string end_time = absl::GetFlag(FLAGS_end_time);
  if (!end_time.empty()) {
    STREAMTUNE_RETURN_IF_ERROR(ParseTimeFlag("end_time", end_time, &cmd.end_time));
  }
  cmd.version = absl::GetFlag(FLAGS_version);
  STREAMTUNE_RETURN_IF_ERROR(
      CheckRange("version", cmd.version, 0, std::numeric_limits<int64_t>::max()));
  cmd.seed = absl::GetFlag(FLAGS_seed);
  cmd.max_training_steps = absl::GetFlag(FLAGS_max_training_steps);
  cmd.async = absl::GetFlag(FLAGS_async);
  cmd.database_url = absl::GetFlag(FLAGS_database_url);
  if (cmd.database_url.empty()) {
    const char* env = std::getenv("STREAMTUNE_DATABASE_URL");
    if (env != nullptr) cmd.database_url = env;
  }
  cmd.role = absl::GetFlag(FLAGS_role);
  cmd.description = absl::GetFlag(FLAGS_description);
  STREAMTUNE_RETURN_IF_ERROR(ParseOptionalNumber("calls_per_second",
                                                 absl::GetFlag(FLAGS_calls_per_second),
                                                 0.0, &cmd.calls_per_second));
  STREAMTUNE_RETURN_IF_ERROR(
      ParseOptionalNumber("burst", absl::GetFlag(FLAGS_burst), 1.0, &cmd.burst));
  STREAMTUNE_RETURN_IF_ERROR(ParseOptionalNumber("stored_bytes",
                                                 absl::GetFlag(FLAGS_stored_bytes),
                                                 int64_t{0}, &cmd.stored_bytes));
  return CheckRange("max_training_steps", cmd.max_training_steps, 0, 1000000);
}

}  // namespace

bool IsCommand(absl::string_view name) { return FindCommand(name) != nullptr; }

bool IsTokenCommand(absl::string_view name) {
  return name == "token-create" || name == "tokens" || name == "token-revoke";
}

bool IsQuotaCommand(absl::string_view name) {
  return name == "quota-set" || name == "quotas" || name == "quota-clear";
}

bool IsDatabaseCommand(absl::string_view name) {
  return IsTokenCommand(name) || IsQuotaCommand(name);
}

absl::Status InvocationFromFlags(const std::vector<std::string>& positional,
                                 Invocation* out) {
  *out = Invocation();
  CommandArgs& cmd = out->command;
  if (!positional.empty()) cmd.name = positional[0];
  if (cmd.name == "help") {
    out->help = true;
    if (positional.size() > 2) {
      return Bad(*out, absl::StrCat("unexpected argument \"", positional[2], "\""));
    }
    cmd.name = positional.size() == 2 ? positional[1] : "";
    if (!cmd.name.empty() && !IsCommand(cmd.name)) {
      const std::string name = cmd.name;
      cmd.name.clear();
      return absl::InvalidArgumentError(absl::StrCat("unknown command \"", name, "\""));
    }
    return absl::OkStatus();
  }
  if (cmd.name.empty()) return Bad(*out, "missing COMMAND");
  const CommandSpec* spec = FindCommand(cmd.name);
  if (spec == nullptr) {
    const std::string name = cmd.name;
    cmd.name.clear();
    return Bad(*out, absl::StrCat("unknown command \"", name, "\""));
  }
  if (absl::Status status = ReadFlags(out); !status.ok()) {
    return Bad(*out, status.message());
  }
  STREAMTUNE_RETURN_IF_ERROR(CheckCommandFlags(*out));
  const size_t want = spec->positional == nullptr ? 0 : 1;
  if (positional.size() - 1 < want) {
    return Bad(*out, absl::StrCat("missing ", spec->positional));
  }
  if (positional.size() - 1 > want) {
    return Bad(*out,
               absl::StrCat("unexpected argument \"", positional[want + 1], "\""));
  }
  if (want == 1) {
    const std::string positional_name = spec->positional;
    (positional_name == "ID"         ? cmd.model_id
     : positional_name == "NAME"     ? cmd.operation_name
     : positional_name == "TOKEN_ID" ? cmd.token_id
                                     : cmd.job_id) = positional[1];
  }
  if (cmd.start_time && cmd.end_time && *cmd.end_time <= *cmd.start_time) {
    return Bad(*out, "--end_time: must be after --start_time");
  }
  if ((cmd.name == "recommend" || cmd.name == "report") && cmd.snapshot_path.empty()) {
    return Bad(*out, "missing --snapshot FILE.json");
  }
  if (IsDatabaseCommand(cmd.name)) {
    if (cmd.database_url.empty()) {
      return Bad(*out, "missing --database_url (or $STREAMTUNE_DATABASE_URL)");
    }
    if (cmd.name == "token-create" && out->global.tenant.empty()) {
      return Bad(*out, "missing --tenant=T (the tenant the token acts for)");
    }
    if ((cmd.name == "quota-set" || cmd.name == "quota-clear") &&
        out->global.tenant.empty()) {
      return Bad(*out, "missing --tenant=T (the tenant whose quota this is)");
    }
    if (cmd.name == "quota-set" && !cmd.calls_per_second && !cmd.burst &&
        !cmd.stored_bytes) {
      return Bad(*out,
                 "give --calls_per_second, --burst or --stored_bytes (quota-clear "
                 "removes an override)");
    }
    return absl::OkStatus();
  }
  if (out->global.server.empty()) {
    return Bad(*out, "missing --server=HOST:PORT");
  }
  return absl::OkStatus();
}

std::string GeneralUsage() {
  std::string text =
      "usage: streamtunectl --server=HOST:PORT [--tenant=T] [--timeout=10s] "
      "COMMAND [ARGS]\n"
      "\n"
      "Talks to a StreamTune server (streamtuned). Prints JSON (protobuf's\n"
      "JSON mapping) on stdout and one-line errors on stderr. Exit status:\n"
      "0 success, 1 failed call, 2 usage error.\n"
      "\n"
      "Global flags (like every flag, before or after the command):\n"
      "  --server=HOST:PORT   server address (required)\n"
      "  --tenant=T           tenant, sent as x-streamtune-tenant (default:\n"
      "                       the server's default tenant)\n"
      "  --timeout=DURATION   deadline of each call, retries included "
      "(default 10s)\n"
      "  --token_file=F       API token (st_...) to send; default $STREAMTUNE_TOKEN\n"
      "  --tls_ca_file=F      CA of the server's TLS certificate (empty: plaintext)\n"
      "  --tls_server_name=N  name to verify in the server's certificate\n"
      "  --tls_client_cert_file=F --tls_client_key_file=F   mutual TLS\n"
      "  --help               this text and every flag\n"
      "  help [COMMAND]       this text, or that command's usage\n"
      "\n"
      "Commands:\n";
  for (const CommandSpec& spec : kCommands) {
    absl::StrAppend(&text, "  ", spec.synopsis, "\n");
  }
  return text;
}

std::string CommandUsage(absl::string_view command) {
  const CommandSpec* spec = FindCommand(command);
  if (spec == nullptr) return GeneralUsage();
  std::string text =
      absl::StrCat("usage: streamtunectl [GLOBAL FLAGS] ", spec->synopsis, "\n\n");
  for (absl::string_view line : absl::StrSplit(spec->description, '\n')) {
    absl::StrAppend(&text, "  ", line, "\n");
  }
  return text;
}

}  // namespace cli
}  // namespace streamtune
