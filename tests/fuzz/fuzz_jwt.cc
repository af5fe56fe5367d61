// Fuzzes JwtVerifier::Verify (server/auth/jwt_verifier.h) at a fixed clock against a fixed key
// set: an Ed25519 key derived from a fixed seed (kid "ed"), plus an EC P-256 key ("ec") and an
// RSA-2048 key ("rsa") generated at startup. Two verifiers: one trusting all three keys, one
// trusting only the Ed25519 key (so tokens without a kid are accepted too).
//
// The first input byte picks the mode; the rest is the mode's data:
//   'P'  payload JSON, signed by the Ed25519 key with header {"alg":"EdDSA","typ":"JWT","kid":"ed"}
//   'N'  payload JSON, signed by the Ed25519 key with a kid-less EdDSA header
//   'E'  payload JSON, signed by the EC key (ES256, kid "ec")
//   'R'  payload JSON, signed by the RSA key (RS256, kid "rsa")
//   'H'  header JSON '\n' payload JSON, signed by the Ed25519 key (forged/odd headers)
//   else the data is a token string, verified as is.
// Signed modes reach claim validation: the signature there is always good, so the outcome must
// follow the claims alone. Invariants (abort on violation):
// - a signed token is never refused as "token signature invalid" when the header names the key
//   that signed it;
// - for well-formed claims (integer times, string iss/sub, string or array aud, ...) an
//   independent oracle decides acceptance and Verify must agree;
// - an accepted token's Principal matches its claims (sub, scope, groups, exp);
// - a raw token string is accepted only if it is exactly what the Ed25519 key signs for its
//   header and payload (Ed25519 is deterministic); the EC/RSA keys are fresh per process, so a
//   raw token they accept is a forgery;
// - every refusal is UNAUTHENTICATED and never echoes the token or a claim (a "~~" canary
//   anywhere in the input never shows up in the message).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/devtoken/asymmetric_key.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"
#include "nlohmann/json.hpp"
#include "server/auth/jwks.h"
#include "server/auth/jwt_verifier.h"

namespace {

namespace auth = ::registry::auth;
namespace devtoken = ::registry::devtoken;
using Json = nlohmann::json;

constexpr char kIssuer[] = "https://id.example.test";
constexpr char kAudience[] = "registry";
constexpr int64_t kNowSeconds = 1'700'000'000;
constexpr int64_t kSkewSeconds = 60;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_jwt: invariant violated: %s\n", what);
  std::abort();
}

struct Fixture {
  devtoken::DevKey ed = devtoken::DevKeyFromSeed({0x66, 0x75, 0x7a, 0x7a});
  devtoken::AsymmetricDevKey ec = devtoken::AsymmetricDevKey::GenerateEcP256();
  devtoken::AsymmetricDevKey rsa = devtoken::AsymmetricDevKey::GenerateRsa(2048);
  auth::TokenVerifierPtr all;      // kids ed, ec, rsa
  auth::TokenVerifierPtr ed_only;  // kid ed

  static auth::TokenVerifierPtr MakeVerifier(std::string_view jwks_json) {
    absl::StatusOr<auth::Jwks> jwks = auth::ParseJwks(jwks_json);
    Check(jwks.ok(), "fixture JWKS does not parse");
    auth::JwtVerifierOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    options.clock_skew = absl::Seconds(kSkewSeconds);
    options.clock = [] { return absl::FromUnixSeconds(kNowSeconds); };
    absl::StatusOr<auth::TokenVerifierPtr> verifier =
        auth::JwtVerifier::Create(*std::move(jwks), std::move(options));
    Check(verifier.ok(), "fixture verifier refused");
    return *std::move(verifier);
  }

  Fixture() {
    all = MakeVerifier(devtoken::JwksOf(
        {devtoken::JwkForDevKey(ed, "ed"), ec.PublicJwkJson("ec"), rsa.PublicJwkJson("rsa")}));
    ed_only = MakeVerifier(devtoken::JwksForDevKey(ed, "ed"));
  }
};

const Fixture& F() {
  static const Fixture* fixture = new Fixture();
  return *fixture;
}

std::optional<int64_t> SmallInt(const Json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > 1'000'000'000'000ULL) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  const int64_t i = v.get<int64_t>();
  if (i > 1'000'000'000'000LL || i < -1'000'000'000'000LL) return std::nullopt;
  return i;
}

// The verdict of RFC 7519 claim checks on `payload` when it is "well-formed enough" to decide
// without reimplementing every corner (fractional dates, huge numbers): true = accept,
// false = refuse, nullopt = no opinion.
std::optional<bool> Oracle(const std::string& payload) {
  const Json claims = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) return false;
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || iss->get<std::string>() != kIssuer) return false;
  auto aud = claims.find("aud");
  if (aud == claims.end()) return false;
  bool aud_ok = false;
  if (aud->is_string()) {
    aud_ok = aud->get<std::string>() == kAudience;
  } else if (aud->is_array()) {
    for (const Json& a : *aud) {
      if (!a.is_string()) return false;
      aud_ok = aud_ok || a.get<std::string>() == kAudience;
    }
  } else {
    return false;
  }
  if (!aud_ok) return false;
  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) return false;
  if (auto scope = claims.find("scope"); scope != claims.end() && !scope->is_string()) return false;
  if (auto groups = claims.find("groups"); groups != claims.end()) {
    if (!groups->is_array()) return false;
    for (const Json& g : *groups) {
      if (!g.is_string()) return false;
    }
  }
  // Times: only plain integers of sane magnitude are judged here.
  auto exp = claims.find("exp");
  if (exp == claims.end()) return false;
  std::optional<int64_t> exp_s = SmallInt(*exp);
  if (!exp_s) return exp->is_number() ? std::nullopt : std::optional<bool>(false);
  bool ok = kNowSeconds < *exp_s + kSkewSeconds;
  if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
    std::optional<int64_t> nbf_s = SmallInt(*nbf);
    if (!nbf_s) return nbf->is_number() ? std::nullopt : std::optional<bool>(false);
    ok = ok && kNowSeconds >= *nbf_s - kSkewSeconds;
  }
  if (auto iat = claims.find("iat"); iat != claims.end()) {
    std::optional<int64_t> iat_s = SmallInt(*iat);
    if (!iat_s) return iat->is_number() ? std::nullopt : std::optional<bool>(false);
    ok = ok && *iat_s <= kNowSeconds + kSkewSeconds;
  }
  return ok;
}

// An accepted token's Principal must say what its claims say.
void CheckPrincipal(const auth::Principal& principal, const std::string& payload) {
  const Json claims = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  Check(claims.is_object(), "accepted a token whose payload is not a JSON object");
  Check(!principal.subject.empty() && claims.value("sub", std::string()) == principal.subject,
        "Principal subject differs from sub");
  Check(claims.value("iss", std::string()) == kIssuer, "accepted a foreign issuer");
  Check(principal.expires_at + absl::Seconds(kSkewSeconds) > absl::FromUnixSeconds(kNowSeconds),
        "accepted an expired token");
  if (auto scope = claims.find("scope"); scope != claims.end()) {
    size_t n = 0;
    for (absl::string_view s :
         absl::StrSplit(scope->get_ref<const std::string&>(), ' ', absl::SkipEmpty())) {
      Check(principal.HasScope(std::string_view(s.data(), s.size())), "scope lost");
      ++n;
    }
    Check(principal.scopes.size() <= n, "scope invented");
  } else {
    Check(principal.scopes.empty(), "scopes without a scope claim");
  }
  std::vector<std::string> groups;
  if (auto g = claims.find("groups"); g != claims.end())
    groups = g->get<std::vector<std::string>>();
  Check(principal.groups == groups, "groups differ from the claim");
}

// No refusal text contains "~~" (nor do the configured issuer and audience), so a "~~" in a
// message came from the token or its claims. (Searching the message for the token itself would
// let libFuzzer copy message text into the input.)
void CheckRefusal(const absl::Status& status) {
  Check(status.code() == absl::StatusCode::kUnauthenticated, "refusal is not UNAUTHENTICATED");
  const std::string_view message(status.message().data(), status.message().size());
  Check(message.find("~~") == std::string_view::npos, "refusal echoes the token or a claim");
}

std::optional<std::string> DecodePart(absl::string_view part) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(part, &out)) {
    return std::nullopt;
  }
  return out;
}

void FuzzRawToken(std::string_view token) {
  const Fixture& f = F();
  for (const auth::TokenVerifier* verifier : {f.all.get(), f.ed_only.get()}) {
    absl::StatusOr<auth::Principal> principal = verifier->Verify(token);
    if (!principal.ok()) {
      CheckRefusal(principal.status());
      continue;
    }
    // Accepted: it must be the Ed25519 key's own (deterministic) signature.
    const std::vector<absl::string_view> parts = absl::StrSplit(
        absl::string_view(token.data(), token.size()), '.');  // Verify checked: three parts.
    Check(parts.size() == 3, "accepted a token without three parts");
    std::optional<std::string> header = DecodePart(parts[0]);
    std::optional<std::string> payload = DecodePart(parts[1]);
    Check(header.has_value() && payload.has_value(), "accepted undecodable parts");
    Check(devtoken::SignJws(f.ed, *header, *payload) == token,
          "accepted a token the Ed25519 key did not sign (forgery)");
    CheckPrincipal(*principal, *payload);
  }
}

void FuzzSigned(char mode, std::string_view data) {
  const Fixture& f = F();
  std::string header;
  std::string payload;
  std::string token;
  if (mode == 'H') {
    const size_t nl = data.find('\n');
    header = std::string(data.substr(0, nl));
    payload = nl == std::string_view::npos ? "" : std::string(data.substr(nl + 1));
    token = devtoken::SignJws(f.ed, header, payload);
  } else {
    payload = std::string(data);
    if (mode == 'P') token = devtoken::SignJws(f.ed, devtoken::HeaderJson("ed"), payload);
    if (mode == 'N') token = devtoken::SignJws(f.ed, R"({"alg":"EdDSA","typ":"JWT"})", payload);
    if (mode == 'E') token = devtoken::SignJws(f.ec, devtoken::HeaderJson("ec", "ES256"), payload);
    if (mode == 'R')
      token = devtoken::SignJws(f.rsa, devtoken::HeaderJson("rsa", "RS256"), payload);
  }
  const bool fits = token.size() <= 8 * 1024;  // JwtVerifierOptions::max_token_bytes
  // The verifiers that know the signing key under the name the header uses.
  std::vector<const auth::TokenVerifier*> verifiers = {f.all.get()};
  if (mode == 'N' || mode == 'P' || mode == 'H') verifiers.push_back(f.ed_only.get());
  for (const auth::TokenVerifier* verifier : verifiers) {
    absl::StatusOr<auth::Principal> principal = verifier->Verify(token);
    if (principal.ok()) {
      CheckPrincipal(*principal, payload);
    } else {
      CheckRefusal(principal.status());
      const bool header_is_ours = mode != 'H' || verifier == f.ed_only.get();
      if (header_is_ours) {
        Check(principal.status().message() != "token signature invalid",
              "a good signature was refused");
      }
    }
    if (mode != 'H' && fits && (mode != 'N' || verifier == f.ed_only.get())) {
      std::optional<bool> verdict = Oracle(payload);
      if (verdict.has_value()) {
        Check(*verdict == principal.ok(),
              *verdict ? "valid claims refused" : "bad claims accepted");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  F();  // Key generation once, outside the timed inputs.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char mode = static_cast<char>(data[0]);
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (mode) {
    case 'P':
    case 'N':
    case 'E':
    case 'R':
    case 'H':
      FuzzSigned(mode, rest);
      break;
    default:
      FuzzRawToken(rest);
  }
  return 0;
}
