#include "server/core/auth/api_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/tenant.h"

namespace streamtune {
namespace {

constexpr absl::string_view kPrefix = "st_";
constexpr int kIdLength = 12;
constexpr int kSecretBytes = 32;

absl::Status RandomBytes(unsigned char* out, int n) {
  if (RAND_bytes(out, n) != 1) {
    return absl::InternalError("no randomness for a token (OpenSSL RAND_bytes failed)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IssuedToken> IssueToken(absl::string_view tenant, Role role,
                                       absl::string_view description) {
  if (absl::Status ok = ValidateTenant(tenant, "tenant"); !ok.ok()) return ok;
  static constexpr char kIdAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char id_bytes[kIdLength];
  unsigned char secret_bytes[kSecretBytes];
  if (absl::Status ok = RandomBytes(id_bytes, kIdLength); !ok.ok()) return ok;
  if (absl::Status ok = RandomBytes(secret_bytes, kSecretBytes); !ok.ok()) return ok;
  std::string id;
  for (unsigned char b : id_bytes) id.push_back(kIdAlphabet[b % 36]);
  const std::string secret = absl::WebSafeBase64Escape(absl::string_view(
      reinterpret_cast<const char*>(secret_bytes), sizeof(secret_bytes)));
  IssuedToken issued;
  issued.record.token_id = id;
  issued.record.tenant = std::string(tenant);
  issued.record.role = std::string(RoleName(role));
  issued.record.secret_sha256 = SecretDigest(secret);
  issued.record.description = std::string(description);
  issued.text = absl::StrCat(kPrefix, id, "_", secret);
  return issued;
}

absl::StatusOr<IssuedToken> IssueAndStoreToken(Store& store, absl::string_view tenant,
                                               Role role,
                                               absl::string_view description) {
  absl::StatusOr<IssuedToken> issued = IssueToken(tenant, role, description);
  if (!issued.ok()) return issued.status();
  absl::StatusOr<TokenRecord> stored = store.PutToken(issued->record);
  if (!stored.ok()) return stored.status();
  issued->record = *std::move(stored);
  return issued;
}

absl::StatusOr<TokenParts> ParseToken(absl::string_view text) {
  const auto malformed = [] {
    return absl::UnauthenticatedError("malformed token (expected st_<id>_<secret>)");
  };
  if (!absl::ConsumePrefix(&text, kPrefix)) return malformed();
  if (text.size() <= kIdLength + 1 || text[kIdLength] != '_') return malformed();
  TokenParts parts{std::string(text.substr(0, kIdLength)),
                   std::string(text.substr(kIdLength + 1))};
  for (char c : parts.token_id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return malformed();
  }
  return parts;
}

std::string SecretDigest(absl::string_view secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

bool DigestsEqual(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace streamtune
