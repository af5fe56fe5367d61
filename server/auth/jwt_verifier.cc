// JWT verification: JOSE header checks, the signature (Ed25519 via libsodium, RS256/ES256 via
// OpenSSL), then RFC 7519 claims.
#include "server/auth/jwt_verifier.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "server/auth/openssl_support.h"
#include "server/auth/sodium_support.h"

namespace registry::auth {
namespace {

using Json = nlohmann::json;

absl::Status Reject(absl::string_view reason) { return absl::UnauthenticatedError(reason); }

absl::Status MissingClaim(absl::string_view name) {
  return Reject(absl::StrCat("token missing claim ", name));
}

absl::Status WrongType(absl::string_view name) {
  return Reject(absl::StrCat("token claim ", name, " has the wrong type"));
}

// Parses decoded JOSE bytes that must form a JSON object; nullopt otherwise.
std::optional<Json> ParseObject(const std::string& bytes) {
  Json value = Json::parse(bytes, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

// Converts a NumericDate (RFC 7519 §2: seconds since the epoch, possibly fractional) to a time.
// Out-of-range integers saturate; non-finite values are refused.
std::optional<absl::Time> ToTime(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InfiniteFuture();
    }
    return absl::FromUnixSeconds(static_cast<int64_t>(v));
  }
  if (value.is_number_integer()) return absl::FromUnixSeconds(value.get<int64_t>());
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    if (v >= 1e15) return absl::InfiniteFuture();
    if (v <= -1e15) return absl::InfinitePast();
    return absl::UnixEpoch() + absl::Seconds(v);
  }
  return std::nullopt;
}

// Reads NumericDate claim `name`: nullopt when absent, an error when of the wrong type.
absl::StatusOr<std::optional<absl::Time>> TimeClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<absl::Time>();
  std::optional<absl::Time> t = ToTime(*it);
  if (!t.has_value()) return WrongType(name);
  return t;
}

// True when `aud` (a string or an array of strings) names `audience`; an error for other types.
absl::StatusOr<bool> AudienceMatches(const Json& aud, const std::string& audience) {
  if (aud.is_string()) return !audience.empty() && aud.get_ref<const std::string&>() == audience;
  if (!aud.is_array()) return WrongType("aud");
  bool found = false;
  for (const Json& entry : aud) {
    if (!entry.is_string()) return WrongType("aud");
    found = found || (!audience.empty() && entry.get_ref<const std::string&>() == audience);
  }
  return found;
}

// Picks the verification key named by the header's kid (RFC 7515 §4.1.4), after refusing any alg
// but EdDSA, RS256 and ES256 and any "crit" extension, and requires the header's alg to be the one
// alg that key verifies (RFC 8725 §3.1: never let the token choose how a key is used). Keys named
// by jku/jwk/x5u/x5c are never fetched or trusted.
absl::StatusOr<const JwkKey*> SelectKey(const Json& header, const Jwks& jwks) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Reject("token unsupported alg");
  const std::string& alg_name = alg->get_ref<const std::string&>();
  if (alg_name != kAlgEdDsa && alg_name != kAlgRs256 && alg_name != kAlgEs256) {
    return Reject("token unsupported alg");
  }
  if (header.contains("crit")) return Reject("token has unsupported critical header parameters");
  const JwkKey* key = nullptr;
  if (auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string()) return Reject("token malformed: kid is not a string");
    key = jwks.Find(kid->get_ref<const std::string&>());
  } else if (jwks.keys.size() == 1) {
    key = &jwks.keys.front();
  }
  if (key == nullptr) return Reject("token signed with an unknown key (kid)");
  if (key->alg() != alg_name) return Reject("token alg does not match the key");
  return key;
}

// True when `signature` over `signing_input` verifies with `key` (whose alg the caller matched).
bool SignatureValid(const JwkKey& key, std::string_view signing_input,
                    const std::string& signature) {
  struct Visitor {
    std::string_view input;
    const std::string& signature;
    bool operator()(const Ed25519PublicKey& k) const {
      return signature.size() == crypto_sign_BYTES &&
             crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                         reinterpret_cast<const unsigned char*>(input.data()),
                                         input.size(), k.bytes.data()) == 0;
    }
    bool operator()(const RsaPublicKey& k) const {
      return k.evp != nullptr && internal::VerifyRs256(*k.evp, input, signature);
    }
    bool operator()(const EcP256PublicKey& k) const {
      return k.evp != nullptr && internal::VerifyEs256(*k.evp, input, signature);
    }
  };
  return std::visit(Visitor{signing_input, signature}, key.key);
}

// Checks iss and aud against the configured values.
absl::Status CheckIssuerAndAudience(const Json& claims, const JwtVerifierOptions& options) {
  auto iss = claims.find("iss");
  if (iss == claims.end()) return MissingClaim("iss");
  if (!iss->is_string()) return WrongType("iss");
  if (options.issuer.empty() || iss->get_ref<const std::string&>() != options.issuer) {
    return Reject(absl::StrCat("token issuer mismatch: expected \"", options.issuer, "\""));
  }
  auto aud = claims.find("aud");
  if (aud == claims.end()) return MissingClaim("aud");
  absl::StatusOr<bool> aud_ok = AudienceMatches(*aud, options.audience);
  if (!aud_ok.ok()) return aud_ok.status();
  if (!*aud_ok) {
    return Reject(absl::StrCat("token audience mismatch: expected \"", options.audience, "\""));
  }
  return absl::OkStatus();
}

// Checks exp (required), nbf and iat against `now`, each with `skew` of tolerance; returns exp.
absl::StatusOr<absl::Time> CheckTimes(const Json& claims, absl::Time now, absl::Duration skew) {
  absl::StatusOr<std::optional<absl::Time>> exp = TimeClaim(claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return MissingClaim("exp");
  absl::StatusOr<std::optional<absl::Time>> nbf = TimeClaim(claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  absl::StatusOr<std::optional<absl::Time>> iat = TimeClaim(claims, "iat");
  if (!iat.ok()) return iat.status();
  if (!(now < **exp + skew)) return Reject("token expired");
  if (nbf->has_value() && now < **nbf - skew) return Reject("token not yet valid");
  if (iat->has_value() && **iat > now + skew) return Reject("token issued in the future");
  return **exp;
}

// Builds the Principal from sub, scope and groups.
absl::StatusOr<Principal> PrincipalFromClaims(const Json& claims) {
  Principal principal;
  auto sub = claims.find("sub");
  if (sub == claims.end()) return MissingClaim("sub");
  if (!sub->is_string()) return WrongType("sub");
  if (sub->get_ref<const std::string&>().empty()) return Reject("token claim sub is empty");
  principal.subject = sub->get<std::string>();
  if (auto scope = claims.find("scope"); scope != claims.end()) {
    if (!scope->is_string()) return WrongType("scope");
    for (absl::string_view s :
         absl::StrSplit(scope->get_ref<const std::string&>(), ' ', absl::SkipEmpty())) {
      principal.scopes.emplace(s);
    }
  }
  if (auto groups = claims.find("groups"); groups != claims.end()) {
    if (!groups->is_array()) return WrongType("groups");
    for (const Json& g : *groups) {
      if (!g.is_string()) return WrongType("groups");
      principal.groups.push_back(g.get<std::string>());
    }
  }
  return principal;
}

JwtVerifierOptions WithDefaultClock(JwtVerifierOptions options) {
  if (!options.clock) options.clock = [] { return absl::Now(); };
  return options;
}

}  // namespace

JwtVerifier::JwtVerifier(Jwks jwks, JwtVerifierOptions options)
    : jwks_(std::move(jwks)), options_(WithDefaultClock(std::move(options))) {}

absl::StatusOr<TokenVerifierPtr> JwtVerifier::Create(Jwks jwks, JwtVerifierOptions options) {
  if (options.issuer.empty()) return absl::InvalidArgumentError("JWT verifier: issuer is empty");
  if (options.audience.empty()) {
    return absl::InvalidArgumentError("JWT verifier: audience is empty");
  }
  if (jwks.keys.empty()) return absl::InvalidArgumentError("JWT verifier: JWKS has no keys");
  for (const JwkKey& key : jwks.keys) {
    const bool usable = std::visit(
        [](const auto& k) {
          if constexpr (std::is_same_v<std::decay_t<decltype(k)>, Ed25519PublicKey>) {
            return true;
          } else {
            return k.evp != nullptr;
          }
        },
        key.key);
    if (!usable) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWT verifier: JWKS key \"", key.kid, "\" has no public key"));
    }
  }
  if (options.clock_skew < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("JWT verifier: clock skew is negative");
  }
  if (auto s = internal::InitSodium(); !s.ok()) return s;
  return std::make_unique<JwtVerifier>(std::move(jwks), std::move(options));
}

absl::StatusOr<Principal> JwtVerifier::Verify(std::string_view token) const {
  if (token.empty()) return Reject("token missing");
  if (token.size() > options_.max_token_bytes) return Reject("token too large");
  if (std::count(token.begin(), token.end(), '.') != 2) {
    return Reject("token malformed: expected three dot-separated parts");
  }
  if (auto s = internal::InitSodium(); !s.ok()) return s;

  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  const std::string_view parts[3] = {token.substr(0, dot1), token.substr(dot1 + 1, dot2 - dot1 - 1),
                                     token.substr(dot2 + 1)};
  std::optional<std::string> header_bytes = internal::DecodeBase64Url(parts[0]);
  std::optional<std::string> payload_bytes = internal::DecodeBase64Url(parts[1]);
  std::optional<std::string> signature = internal::DecodeBase64Url(parts[2]);
  if (!header_bytes || !payload_bytes || !signature) {
    return Reject("token malformed: a part is not unpadded base64url");
  }

  std::optional<Json> header = ParseObject(*header_bytes);
  if (!header) return Reject("token malformed: header is not a JSON object");
  absl::StatusOr<const JwkKey*> key = SelectKey(*header, jwks_);
  if (!key.ok()) return key.status();

  // Signature over the ASCII "header.payload" exactly as received (RFC 7515 §5.2).
  const std::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!SignatureValid(**key, signing_input, *signature)) return Reject("token signature invalid");

  std::optional<Json> claims = ParseObject(*payload_bytes);
  if (!claims) return Reject("token malformed: payload is not a JSON object");
  if (auto s = CheckIssuerAndAudience(*claims, options_); !s.ok()) return s;
  absl::StatusOr<Principal> principal = PrincipalFromClaims(*claims);
  if (!principal.ok()) return principal.status();
  absl::StatusOr<absl::Time> exp = CheckTimes(*claims, options_.clock(), options_.clock_skew);
  if (!exp.ok()) return exp.status();
  principal->expires_at = *exp;
  return principal;
}

}  // namespace registry::auth
