#include "client/cli/commands.h"

#include <set>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "client/cli/operation_progress.h"
#include "client/cli/quota_admin.h"
#include "client/connection_flags.h"
#include "common/proto_json.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace streamtune {
namespace cli {
namespace {

using Json = nlohmann::ordered_json;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// Protobuf's JSON mapping, re-indented by two spaces with field order kept.
Json ToJsonValue(const google::protobuf::Message& message) {
  return Json::parse(ToJson(message));
}

void Print(const Json& value, std::ostream& out) { out << value.dump(2) << "\n"; }

void Print(const google::protobuf::Message& message, std::ostream& out) {
  Print(ToJsonValue(message), out);
}

// Fetches every page, starting from `first_token`, merged into one response
// whose next_page_token is empty. Repeated fields append on MergeFrom.
template <typename Response>
absl::StatusOr<Response> FetchAllPages(
    absl::FunctionRef<absl::StatusOr<Response>(const std::string&)> fetch,
    std::string first_token = "") {
  Response all;
  std::set<std::string> seen;
  std::string token = std::move(first_token);
  do {
    STREAMTUNE_ASSIGN_OR_RETURN(Response page, fetch(token));
    token = page.next_page_token();
    page.clear_next_page_token();
    all.MergeFrom(page);
    // A server that hands out a token twice would loop us forever.
    if (!token.empty() && !seen.insert(token).second) {
      return absl::InternalError(
          absl::StrCat("server repeated page token \"", token, "\""));
    }
  } while (!token.empty());
  return all;
}

absl::Status Health(const CommandArgs& cmd, StreamTuneClient& client,
                    std::ostream& out) {
  if (cmd.wait > absl::ZeroDuration()) {
    STREAMTUNE_RETURN_IF_ERROR(client.WaitUntilServing(cmd.wait));
    out << "SERVING\n";
    return absl::OkStatus();
  }
  STREAMTUNE_ASSIGN_OR_RETURN(HealthCheckResponse response,
                              client.CheckHealth(HealthCheckRequest()));
  const std::string name = HealthCheckResponse::ServingStatus_Name(response.status());
  out << name << "\n";
  if (response.status() != HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat("server is ", name));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SnapshotRequest> ReadSnapshotRequest(const CommandArgs& cmd) {
  v1::SnapshotRequest request;
  STREAMTUNE_RETURN_IF_ERROR(
      ParseJsonFile(cmd.snapshot_path, request.mutable_snapshot()));
  request.set_policy(cmd.policy);
  return request;
}

absl::Status Recommend(const CommandArgs& cmd, StreamTuneClient& client,
                       std::ostream& out) {
  STREAMTUNE_ASSIGN_OR_RETURN(v1::SnapshotRequest request, ReadSnapshotRequest(cmd));
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Recommendation response, client.Recommend(request));
  Print(response, out);
  return absl::OkStatus();
}

absl::Status Report(const CommandArgs& cmd, StreamTuneClient& client,
                    std::ostream& out) {
  STREAMTUNE_ASSIGN_OR_RETURN(v1::SnapshotRequest request, ReadSnapshotRequest(cmd));
  STREAMTUNE_ASSIGN_OR_RETURN(v1::ReportSnapshotResponse response,
                              client.ReportSnapshot(request));
  Print(response, out);
  return absl::OkStatus();
}

// Sets a listing request's page size and time range from the flags.
template <typename Request>
void SetPageAndRange(const CommandArgs& cmd, Request* request) {
  using google::protobuf::util::TimeUtil;
  request->set_page_size(cmd.page_size);
  if (cmd.start_time) {
    *request->mutable_start_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*cmd.start_time));
  }
  if (cmd.end_time) {
    *request->mutable_end_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(*cmd.end_time));
  }
}

// One page from --page_token, or with --all every page from there on.
template <typename Response, typename Fetch>
absl::Status PrintListing(const CommandArgs& cmd, Fetch fetch, std::ostream& out) {
  Response response;
  if (cmd.all_pages) {
    STREAMTUNE_ASSIGN_OR_RETURN(response,
                                FetchAllPages<Response>(fetch, cmd.page_token));
  } else {
    STREAMTUNE_ASSIGN_OR_RETURN(response, fetch(cmd.page_token));
  }
  Print(response, out);
  return absl::OkStatus();
}

absl::Status Jobs(const CommandArgs& cmd, StreamTuneClient& client, std::ostream& out) {
  return PrintListing<v1::ListJobsResponse>(
      cmd,
      [&](const std::string& token) {
        v1::ListJobsRequest request;
        SetPageAndRange(cmd, &request);
        request.set_page_token(token);
        return client.ListJobs(request);
      },
      out);
}

absl::Status Recommendations(const CommandArgs& cmd, StreamTuneClient& client,
                             std::ostream& out) {
  return PrintListing<v1::ListRecommendationsResponse>(
      cmd,
      [&](const std::string& token) {
        v1::ListRecommendationsRequest request;
        request.set_job_id(cmd.job_id);
        SetPageAndRange(cmd, &request);
        request.set_page_token(token);
        return client.ListRecommendations(request);
      },
      out);
}

absl::Status GetJob(const CommandArgs& cmd, StreamTuneClient& client,
                    std::ostream& out) {
  v1::GetJobRequest request;
  request.set_job_id(cmd.job_id);
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Job job, client.GetJob(request));
  Print(job, out);
  return absl::OkStatus();
}

absl::Status History(const CommandArgs& cmd, StreamTuneClient& client,
                     std::ostream& out) {
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::ListSnapshotsResponse snapshots,
      FetchAllPages<v1::ListSnapshotsResponse>([&](const std::string& token) {
        v1::ListSnapshotsRequest request;
        request.set_job_id(cmd.job_id);
        request.set_page_size(cmd.page_size);
        request.set_page_token(token);
        return client.ListSnapshots(request);
      }));
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::ListRecommendationsResponse recommendations,
      FetchAllPages<v1::ListRecommendationsResponse>([&](const std::string& token) {
        v1::ListRecommendationsRequest request;
        request.set_job_id(cmd.job_id);
        request.set_page_size(cmd.page_size);
        request.set_page_token(token);
        return client.ListRecommendations(request);
      }));
  Json result = Json::object();
  result["job_id"] = cmd.job_id;
  // The JSON mapping omits empty repeated fields; show them as [].
  result["snapshots"] = ToJsonValue(snapshots).value("snapshots", Json::array());
  result["recommendations"] =
      ToJsonValue(recommendations).value("recommendations", Json::array());
  Print(result, out);
  return absl::OkStatus();
}

absl::Status Models(const CommandArgs& cmd, StreamTuneClient& client,
                    std::ostream& out) {
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::ListModelsResponse response,
      FetchAllPages<v1::ListModelsResponse>([&](const std::string& token) {
        v1::ListModelsRequest request;
        request.set_page_token(token);
        return client.ListModels(request);
      }));
  Print(response, out);
  return absl::OkStatus();
}

absl::Status GetModel(const CommandArgs& cmd, StreamTuneClient& client,
                      std::ostream& out) {
  v1::GetModelRequest request;
  request.set_model_id(cmd.model_id);
  request.set_version(cmd.version);
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Model model, client.GetModel(request));
  Print(model, out);
  return absl::OkStatus();
}

// How long `pretrain` waits without --async: as long as it takes (an
// interrupted wait leaves the operation running).
constexpr absl::Duration kPretrainWait = absl::Hours(24);

absl::Status Pretrain(const CommandArgs& cmd, StreamTuneClient& client,
                      std::ostream& out, OperationProgress& progress) {
  v1::PretrainRequest request;
  request.set_seed(cmd.seed);
  request.set_max_training_steps(static_cast<int32_t>(cmd.max_training_steps));
  if (cmd.async) {
    STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation operation, client.StartPretrain(request));
    Print(operation, out);
    return absl::OkStatus();
  }
  OperationWait wait;
  wait.timeout = kPretrainWait;
  wait.on_poll = [&](const v1::Operation& operation) { progress.Show(operation); };
  STREAMTUNE_ASSIGN_OR_RETURN(v1::PretrainResponse response,
                              client.Pretrain(request, wait));
  Print(response, out);
  return absl::OkStatus();
}

absl::Status GetOperation(const CommandArgs& cmd, StreamTuneClient& client,
                          std::ostream& out) {
  v1::GetOperationRequest request;
  request.set_name(cmd.operation_name);
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation operation, client.GetOperation(request));
  Print(operation, out);
  return absl::OkStatus();
}

absl::Status Operations(const CommandArgs& cmd, StreamTuneClient& client,
                        std::ostream& out) {
  STREAMTUNE_ASSIGN_OR_RETURN(
      v1::ListOperationsResponse response,
      FetchAllPages<v1::ListOperationsResponse>([&](const std::string& token) {
        v1::ListOperationsRequest request;
        request.set_page_token(token);
        return client.ListOperations(request);
      }));
  Print(response, out);
  return absl::OkStatus();
}

absl::Status CancelOperation(const CommandArgs& cmd, StreamTuneClient& client,
                             std::ostream& out) {
  v1::CancelOperationRequest request;
  request.set_name(cmd.operation_name);
  STREAMTUNE_ASSIGN_OR_RETURN(v1::Operation operation, client.CancelOperation(request));
  Print(operation, out);
  return absl::OkStatus();
}

std::string StatusLine(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

}  // namespace

absl::Status RunCommand(const CommandArgs& command, StreamTuneClient& client,
                        std::ostream& out, std::ostream& err, bool err_is_terminal) {
  if (command.name == "pretrain") {
    OperationProgress progress(err, err_is_terminal);
    return Pretrain(command, client, out, progress);
  }
  using Handler =
      absl::Status (*)(const CommandArgs&, StreamTuneClient&, std::ostream&);
  static constexpr std::pair<const char*, Handler> kHandlers[] = {
      {"health", Health},
      {"recommend", Recommend},
      {"report", Report},
      {"jobs", Jobs},
      {"job", GetJob},
      {"history", History},
      {"models", Models},
      {"model", GetModel},
      {"operation", GetOperation},
      {"operations", Operations},
      {"cancel", CancelOperation},
      {"recommendations", Recommendations},
  };
  for (const auto& [name, handler] : kHandlers) {
    if (command.name == name) return handler(command, client, out);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command \"", command.name, "\""));
}

int RunCli(int argc, char** argv, const ClientFactory& factory, std::ostream& out,
           std::ostream& err, bool err_is_terminal, const StoreFactory& stores) {
  absl::StatusOr<std::vector<std::string>> positional = ParseFlags(argc, argv);
  if (!positional.ok()) {
    err << UsageErrorText("streamtunectl", positional.status());
    return kExitUsage;
  }
  Invocation inv;
  absl::Status status = InvocationFromFlags(*positional, &inv);
  if (!status.ok()) {
    if (IsCommand(inv.command.name)) {
      err << "streamtunectl: " << status.message() << "\n"
          << CommandUsage(inv.command.name);
    } else {
      err << UsageErrorText("streamtunectl", status);
    }
    return kExitUsage;
  }
  if (inv.help) {
    out << (inv.command.name.empty() ? GeneralUsage() : CommandUsage(inv.command.name));
    return kExitOk;
  }
  if (IsDatabaseCommand(inv.command.name)) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        stores ? stores(inv.command.database_url)
               : absl::UnimplementedError("this build opens no database");
    if (!store.ok()) {
      status = store.status();
    } else if (IsTokenCommand(inv.command.name)) {
      status = RunTokenCommand(inv, **store, out, err);
    } else {
      status = RunQuotaCommand(inv, **store, out);
    }
    if (!status.ok()) {
      err << "streamtunectl: " << inv.command.name << ": " << StatusLine(status)
          << "\n";
      return kExitFailure;
    }
    return kExitOk;
  }
  ClientOptions options;
  options.target = inv.global.server;
  options.tenant = inv.global.tenant;
  options.call_timeout = inv.global.timeout;
  if (status = ApplyConnectionFlags(&options); !status.ok()) {
    err << UsageErrorText("streamtunectl", status);
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<StreamTuneClient>> client = factory(options);
  if (!client.ok()) {
    // Create() fails only on options, i.e. on the command line.
    err << "streamtunectl: " << StatusLine(client.status()) << "\n";
    return kExitUsage;
  }
  status = RunCommand(inv.command, **client, out, err, err_is_terminal);
  if (!status.ok()) {
    err << "streamtunectl: " << inv.command.name << ": " << StatusLine(status) << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace cli
}  // namespace streamtune
