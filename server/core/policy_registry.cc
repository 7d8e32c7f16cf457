#include "server/core/policy_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace streamtune {

absl::Status PolicyRegistry::Add(std::unique_ptr<Policy> policy) {
  std::string name(policy->name());
  if (policies_.contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("policy \"", name, "\" added twice"));
  }
  policies_.emplace(std::move(name), std::move(policy));
  return absl::OkStatus();
}

absl::Status PolicyRegistry::SetDefault(absl::string_view name) {
  auto it = policies_.find(name);
  if (it == policies_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "default policy \"", name, "\" is not one of: ", absl::StrJoin(Names(), ", ")));
  }
  default_ = it->second.get();
  return absl::OkStatus();
}

absl::StatusOr<const Policy*> PolicyRegistry::Find(absl::string_view name) const {
  if (name.empty()) {
    if (default_ == nullptr) return absl::InternalError("no default policy set");
    return default_;
  }
  auto it = policies_.find(name);
  if (it == policies_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy: unknown policy \"", name,
                     "\" (known: ", absl::StrJoin(Names(), ", "), ")"));
  }
  return it->second.get();
}

std::vector<std::string> PolicyRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, policy] : policies_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace streamtune
