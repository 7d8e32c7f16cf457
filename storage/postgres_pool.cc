#include "storage/postgres_pool.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/retry_after.h"
#include "pqxx/except"

namespace streamtune {
namespace {

// SQLSTATE classes meaning the session is gone: 08 connection exception,
// 57P01..57P03 admin/crash shutdown, cannot connect now.
bool IsConnectionLoss(const std::string& sqlstate) {
  return absl::StartsWith(sqlstate, "08") || sqlstate == "57P01" ||
         sqlstate == "57P02" || sqlstate == "57P03";
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."); a status message reads better on one.
std::string OneLine(absl::string_view message) {
  std::string out = absl::StrReplaceAll(message, {{"\n\t", " "}, {"\n", " "}});
  absl::StripAsciiWhitespace(&out);
  return out;
}

// `url` with the password of a URL's user info replaced by "***".
std::string RedactPassword(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t start = scheme + 3;
  const size_t at = url.rfind('@', url.find_first_of("/?", start));
  if (at == std::string::npos || at < start) return url;
  const size_t colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon + 1), "***", url.substr(at));
}

std::string WithConnectTimeout(const std::string& url, absl::Duration timeout) {
  const int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(timeout));
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    const char* sep = url.find('?') == std::string::npos ? "?" : "&";
    return absl::StrCat(url, sep, "connect_timeout=", seconds);
  }
  return absl::StrCat(url, " connect_timeout=", seconds);
}

StoreObserver* NoOpObserver() {
  static StoreObserver* const observer = new StoreObserver();
  return observer;
}

}  // namespace

absl::Status StatusFromPqxxException(absl::string_view what, bool* broken) {
  try {
    throw;
  } catch (const pqxx::broken_connection&) {
    *broken = true;
    return absl::UnavailableError(
        absl::StrCat("postgres: connection lost during ", what));
  } catch (const pqxx::in_doubt_error&) {
    *broken = true;
    return absl::UnavailableError(
        absl::StrCat("postgres: connection lost while committing ", what,
                     "; it may or may not have been applied"));
  } catch (const pqxx::sql_error& e) {
    if (IsConnectionLoss(e.sqlstate())) {
      *broken = true;
      return absl::UnavailableError(
          absl::StrCat("postgres: server ended the session during ", what,
                       " (SQLSTATE ", e.sqlstate(), ")"));
    }
    // e.what() may quote the statement; the SQLSTATE says enough.
    return absl::InternalError(
        absl::StrCat("postgres: ", what, " failed (SQLSTATE ", e.sqlstate(), ")"));
  } catch (const std::exception&) {
    return absl::InternalError(
        absl::StrCat("postgres: ", what, " failed unexpectedly"));
  }
}

PostgresPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      broken_(other.broken_) {}

PostgresPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->GiveBack(std::move(connection_), broken_);
}

PostgresPool::PostgresPool(const PostgresPoolOptions& options)
    : options_(options),
      connection_string_(WithConnectTimeout(options.url, options.connect_timeout)),
      observer_(options.observer != nullptr ? options.observer : NoOpObserver()) {}

PostgresPool::~PostgresPool() = default;

absl::StatusOr<std::unique_ptr<PostgresPool>> PostgresPool::Create(
    const PostgresPoolOptions& options) {
  if (options.size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool_size: must be at least 1, got ", options.size));
  }
  std::unique_ptr<PostgresPool> pool(new PostgresPool(options));
  {
    absl::StatusOr<Lease> lease = pool->Borrow();  // fail fast on a bad URL
    if (!lease.ok()) return lease.status();
  }
  return pool;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PostgresPool::Connect() const {
  try {
    return std::make_unique<pqxx::connection>(connection_string_);
  } catch (const std::exception& e) {
    // libpq's own words (host, port, reason) make the clearest message, but
    // a malformed URL is quoted whole: keep its password out.
    std::string message = absl::StrReplaceAll(
        OneLine(e.what()), {{connection_string_, RedactPassword(connection_string_)}});
    return absl::UnavailableError(absl::StrCat("postgres: cannot connect: ", message));
  }
}

absl::StatusOr<PostgresPool::Lease> PostgresPool::Borrow() {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + options_.acquire_timeout;
  {
    absl::ReleasableMutexLock lock(&mu_);
    auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    const bool free = mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline);
    std::unique_ptr<pqxx::connection> connection;
    if (free && !idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else if (free) {
      ++open_;  // reserve the slot; connect without holding the lock
    }
    lock.Release();
    observer_->OnConnectionWait(absl::Now() - start);
    if (!free) {
      // Overload, not an outage: the server is up and every connection busy.
      return WithRetryAfter(absl::ResourceExhaustedError(absl::StrCat(
                                "postgres: no free connection within ",
                                absl::FormatDuration(options_.acquire_timeout),
                                " (pool of ", options_.size, ")")),
                            options_.overload_pushback);
    }
    if (connection != nullptr) return Lease(this, std::move(connection));
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = Connect();
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return connection.status();
  }
  return Lease(this, *std::move(connection));
}

PoolStats PostgresPool::Stats() {
  absl::MutexLock lock(&mu_);
  PoolStats stats;
  stats.size = options_.size;
  stats.open = open_;
  stats.in_use = open_ - static_cast<int>(idle_.size());
  return stats;
}

void PostgresPool::GiveBack(std::unique_ptr<pqxx::connection> connection, bool broken) {
  std::vector<std::unique_ptr<pqxx::connection>> to_close;
  {
    absl::MutexLock lock(&mu_);
    if (!broken && connection->is_open()) {
      idle_.push_back(std::move(connection));
      return;
    }
    // One broken connection usually means the server restarted or failed
    // over, so the idle ones are stale too: reopen them all lazily.
    to_close = std::move(idle_);
    idle_.clear();
    open_ -= 1 + static_cast<int>(to_close.size());
  }
  // Closing sockets outside the lock; `connection` closes on return.
}

}  // namespace streamtune
