// HttpClient: the little HTTP the Flink client needs (GET and PUT with a
// JSON body, each bounded by a timeout), behind an interface so the REST
// client and the adapter are tested with a fake. MakeCurlHttpClient returns
// the libcurl implementation.
#ifndef STREAMTUNE_CLIENT_FLINK_HTTP_CLIENT_H_
#define STREAMTUNE_CLIENT_FLINK_HTTP_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace streamtune::flink {

struct HttpResponse {
  int status = 0;  // HTTP status code.
  std::string body;
};

// Any HTTP status is a response; only transport failures are errors:
// DEADLINE_EXCEEDED when the timeout passed, UNAVAILABLE when the server
// could not be reached or hung up. Implementations are thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual absl::StatusOr<HttpResponse> Get(const std::string& url) = 0;
  // Sends `json_body` with Content-Type: application/json.
  virtual absl::StatusOr<HttpResponse> Put(const std::string& url,
                                           const std::string& json_body) = 0;
};

// One libcurl easy handle per request; `timeout` bounds each request from
// connect to the last byte. The response body is capped at 64 MiB.
std::unique_ptr<HttpClient> MakeCurlHttpClient(absl::Duration timeout);

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_HTTP_CLIENT_H_
