// `registryctl dev ...`: development keys and tokens. Production tokens come from the identity
// provider; these exist so `make run` and local experiments need nothing else.
#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/devtoken/mint.h"
#include "client/registryctl/commands.h"

namespace registry::ctl {
namespace {

constexpr char kDefaultIssuer[] = "cloudmanager-dev";
constexpr char kDefaultAudience[] = "registry-service";
constexpr char kDefaultKid[] = "dev";

// Writes `contents` to `path` readable by the owner only.
absl::Status WritePrivateFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
  out << contents;
  out.close();
  if (!out || chmod(path.c_str(), 0600) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

int Usage(CommandContext& context, const std::string& message) {
  context.io.err << "registryctl: " << message << " (see registryctl --help)\n";
  return 2;
}

int Keygen(CommandContext& context) {
  auto key_out = context.args.Option("key-out");
  auto jwks_out = context.args.Option("jwks-out");
  if (!key_out || !jwks_out) return Usage(context, "dev keygen needs --key-out and --jwks-out");
  devtoken::DevKey key = devtoken::GenerateDevKey();
  std::string kid = context.args.Option("kid").value_or(kDefaultKid);
  if (absl::Status s = WritePrivateFile(*key_out, devtoken::FormatDevKeyFile(key)); !s.ok()) {
    return ReportError(context.io.err, s);
  }
  std::ofstream jwks(*jwks_out, std::ios::trunc);
  jwks << devtoken::JwksForDevKey(key, kid) << "\n";
  if (!jwks) return ReportError(context.io.err, absl::FailedPreconditionError("cannot write JWKS"));
  context.io.out << "wrote signing key " << *key_out << " and JWKS " << *jwks_out << " (kid " << kid
                 << ")\n";
  return 0;
}

int Token(CommandContext& context) {
  auto key_file = context.args.Option("key");
  auto subject = context.args.Option("sub");
  if (!key_file || !subject) return Usage(context, "dev token needs --key and --sub");
  absl::StatusOr<devtoken::DevKey> key = devtoken::LoadDevKeyFile(*key_file);
  if (!key.ok()) return ReportError(context.io.err, key.status());
  devtoken::TokenClaims claims;
  claims.issuer = context.args.Option("issuer").value_or(kDefaultIssuer);
  claims.audience = context.args.Option("audience").value_or(kDefaultAudience);
  claims.subject = *subject;
  for (absl::string_view scope :
       absl::StrSplit(context.args.Option("scope").value_or(""), ' ', absl::SkipEmpty())) {
    claims.scopes.emplace_back(scope);
  }
  for (absl::string_view group :
       absl::StrSplit(context.args.Option("group").value_or(""), ',', absl::SkipEmpty())) {
    claims.groups.emplace_back(group);
  }
  claims.issued_at = absl::Now();
  if (auto ttl = context.args.Option("ttl")) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(*ttl, &seconds) || seconds <= 0) {
      return Usage(context, "--ttl must be a positive number of seconds");
    }
    claims.ttl = absl::Seconds(seconds);
  }
  context.io.out << devtoken::MintToken(*key, context.args.Option("kid").value_or(kDefaultKid),
                                        claims)
                 << "\n";
  return 0;
}

int MasterKey(CommandContext& context) {
  unsigned char key[32];
  randombytes_buf(key, sizeof(key));
  char encoded[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(encoded, sizeof(encoded), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(key, sizeof(key));
  context.io.out << encoded << "\n";
  sodium_memzero(encoded, sizeof(encoded));
  return 0;
}

}  // namespace

int RunDevCommand(const std::string& verb, CommandContext& context) {
  if (sodium_init() < 0) {
    return ReportError(context.io.err, absl::InternalError("libsodium failed to initialize"));
  }
  if (verb == "keygen") return Keygen(context);
  if (verb == "token") return Token(context);
  if (verb == "master-key") return MasterKey(context);
  return Usage(context, "dev needs keygen, token or master-key");
}

}  // namespace registry::ctl
