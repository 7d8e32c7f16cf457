// PolicyRegistry: the policies a server offers, by name, and its default.
#ifndef STREAMTUNE_SERVER_CORE_POLICY_REGISTRY_H_
#define STREAMTUNE_SERVER_CORE_POLICY_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/core/policy.h"

namespace streamtune {

// Filled once at start-up, then read concurrently (thread-safe for reads).
class PolicyRegistry {
 public:
  // ALREADY_EXISTS when a policy of the same name was added.
  absl::Status Add(std::unique_ptr<Policy> policy);
  // Makes `name` the policy used when a request names none. NOT_FOUND if
  // `name` was never added.
  absl::Status SetDefault(absl::string_view name);
  // The named policy, or the default for an empty name. INVALID_ARGUMENT
  // "policy: unknown policy ..." listing the known names otherwise.
  absl::StatusOr<const Policy*> Find(absl::string_view name) const;
  // Names of every policy, sorted.
  std::vector<std::string> Names() const;

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<Policy>> policies_;
  const Policy* default_ = nullptr;
};

}  // namespace streamtune

#endif  // STREAMTUNE_SERVER_CORE_POLICY_REGISTRY_H_
