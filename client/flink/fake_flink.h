// FakeFlink (tests only): an HttpClient that plays a Flink JobManager running
// the harness's synthetic job (the vertex ids recorded in testdata/). Time
// moves only through Advance(); a PUT of resource requirements takes effect
// after a few job polls, like the adaptive scheduler's restart. Error knobs
// inject timeouts, HTTP errors and garbage. Not thread-safe.
#ifndef STREAMTUNE_CLIENT_FLINK_FAKE_FLINK_H_
#define STREAMTUNE_CLIENT_FLINK_FAKE_FLINK_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/flink/http_client.h"

namespace streamtune::flink {

struct FakeVertex {
  std::string id;
  std::string name;
  int parallelism = 1;
  int max_parallelism = 128;
  std::string status = "RUNNING";
  // Per-second behaviour (rates summed over subtasks; times per subtask).
  double in_rate = 0;
  double out_rate = 0;
  double busy_avg = 0;
  double busy_max = 0;
  double backpressured_max = 0;
  std::optional<double> pending;  // Sources: the backlog gauge, if any.
  bool busy_is_nan = false;       // Flink sends "NaN" for busy time.
  // Counters since the run started (advanced by Advance()).
  double records_in = 0;
  double records_out = 0;
  double busy_ms = 0;
  double idle_ms = 0;
};

class FakeFlink : public HttpClient {
 public:
  static constexpr const char* kBaseUrl = "http://flink.test:8081";
  static constexpr const char* kJobId = "87761ec30c22f3f13a669f58e4a46ac9";
  static constexpr const char* kSource = "e5a72f353fc1e6bbf3bd96a41384998c";
  static constexpr const char* kParse = "a0bcbe636c3291fd3f45c25deb2b0823";
  static constexpr const char* kAggregate = "f7c20420360e0172e54933e6abdd481a";
  static constexpr const char* kSink = "2e588ce1c86a9d46e2e85186773ce4fd";

  // The synthetic job at parallelism 1, RUNNING for 100 s: 1000 records/s
  // offered, the aggregate saturated at 667/s.
  FakeFlink();

  // Moves the clock; counters grow at the vertices' rates.
  void Advance(double seconds);

  absl::StatusOr<HttpResponse> Get(const std::string& url) override;
  absl::StatusOr<HttpResponse> Put(const std::string& url,
                                   const std::string& body) override;

  FakeVertex& vertex(const std::string& id);

  std::string flink_version = "1.20.3";  // GET /config's "flink-version".
  std::string job_state = "RUNNING";
  // Flink 2.x's "schedulerType" of the job; empty: not sent, like 1.20.
  std::string scheduler_type;
  int64_t now_ms = 1795485000000;
  int64_t running_since_ms = now_ms - 100000;
  std::vector<FakeVertex> vertices;
  // Knobs. `intercept` sees "GET /path" or "PUT /path" first; an answer it
  // returns replaces the normal one.
  std::function<std::optional<absl::StatusOr<HttpResponse>>(const std::string& request)>
      intercept;
  int conflicts_before_accept = 0;  // PUTs answered 409 first.
  int polls_until_rescaled = 2;     // Job polls after a PUT until it runs rescaled.
  // GET /jobs/:jid/metrics answers runningTime (now - running_since) when
  // true, nothing (an empty list, like a Flink without the job status
  // metrics) when false.
  bool reports_running_time = true;
  // Everything asked, and every accepted PUT body.
  std::vector<std::string> requests;
  std::vector<std::string> accepted_puts;

 private:
  std::string JobJson() const;
  std::string MetricsJson(const FakeVertex& v, const std::string& query) const;
  void MaybeFinishRescale();

  std::optional<std::map<std::string, int>> pending_target_;
  int polls_since_put_ = 0;
};

}  // namespace streamtune::flink

#endif  // STREAMTUNE_CLIENT_FLINK_FAKE_FLINK_H_
