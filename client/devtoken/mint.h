// Development-only minting of EdDSA-signed JWTs (RFC 7519 in JWS compact form) that the server's
// JwtVerifier accepts: for `make run`, registryctl `dev` commands, and tests. SignJws also lets
// tests forge odd headers and payloads (alg none, missing claims, wrong claim types).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/devtoken/dev_key.h"

namespace registry::devtoken {

// What a minted token says. Times are written as whole seconds since the epoch (rounded down).
struct TokenClaims {
  std::string issuer{};               // iss
  std::string audience{};             // aud (a single string)
  std::string subject{};              // sub
  std::vector<std::string> scopes{};  // scope, space-joined; omitted when empty
  std::vector<std::string> groups{};  // groups; omitted when empty
  // iat; exp = issued_at + ttl. Defaults to the wall clock: tests should set it explicitly.
  absl::Time issued_at = absl::Now();
  absl::Duration ttl = absl::Hours(1);
  std::optional<absl::Time> not_before{};  // nbf; omitted when unset
};

// The header MintToken uses: {"alg":"EdDSA","typ":"JWT","kid":kid}.
std::string HeaderJson(std::string_view kid);

// The payload MintToken uses, as compact JSON.
std::string PayloadJson(const TokenClaims& claims);

// A compact JWS: base64url(header) "." base64url(payload) "." base64url(Ed25519 signature over
// the first two parts). The inputs are used verbatim, JSON or not.
std::string SignJws(const DevKey& key, std::string_view header_json, std::string_view payload_json);

// SignJws(key, HeaderJson(kid), PayloadJson(claims)).
std::string MintToken(const DevKey& key, std::string_view kid, const TokenClaims& claims);

// Unpadded base64url (RFC 4648 §5), as JOSE uses; for tests that assemble tokens by hand.
std::string Base64UrlEncode(std::string_view bytes);

}  // namespace registry::devtoken
