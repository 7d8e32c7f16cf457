#include "client/flink/http_client.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/str_cat.h"

namespace streamtune::flink {
namespace {

constexpr size_t kMaxBodyBytes = 64 << 20;

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  if (body->size() + bytes > kMaxBodyBytes) return 0;  // Aborts the transfer.
  body->append(data, bytes);
  return bytes;
}

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(absl::Duration timeout) : timeout_(timeout) {
    // curl_global_init is not thread-safe; run it once per process.
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  absl::StatusOr<HttpResponse> Get(const std::string& url) override {
    return Perform("GET", url, nullptr);
  }

  absl::StatusOr<HttpResponse> Put(const std::string& url,
                                   const std::string& json_body) override {
    return Perform("PUT", url, &json_body);
  }

 private:
  absl::StatusOr<HttpResponse> Perform(const char* method, const std::string& url,
                                       const std::string* body) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
    HttpResponse response;
    curl_slist* headers = nullptr;
    const long timeout_ms = static_cast<long>(absl::ToInt64Milliseconds(timeout_));
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // Threads: no SIGALRM timeouts.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (body != nullptr) {
      headers = curl_slist_append(headers, "Content-Type: application/json");
      // No "Expect: 100-continue" round trip for larger bodies.
      headers = curl_slist_append(headers, "Expect:");
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(absl::StrCat(
          method, " ", url, ": no answer within ", absl::FormatDuration(timeout_)));
    }
    if (code != CURLE_OK) {
      return absl::UnavailableError(
          absl::StrCat(method, " ", url, ": ", curl_easy_strerror(code)));
    }
    response.status = static_cast<int>(status);
    return response;
  }

  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient(absl::Duration timeout) {
  return std::make_unique<CurlHttpClient>(timeout);
}

}  // namespace streamtune::flink
