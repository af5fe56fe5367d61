// Dev token minting: JSON with nlohmann-json, base64url and Ed25519 signing with libsodium.
#include "client/devtoken/mint.h"

#include <sodium.h>

#include "absl/strings/str_join.h"
#include "client/devtoken/sodium_init.h"
#include "nlohmann/json.hpp"

namespace registry::devtoken {
namespace {

using Json = nlohmann::json;

std::string Dump(const Json& value) {
  // Invalid UTF-8 is replaced rather than thrown on: dev input must never crash the caller.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  internal::EnsureSodium();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // Drop the terminating NUL.
  return out;
}

std::string HeaderJson(std::string_view kid) {
  return Dump(Json{{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", std::string(kid)}});
}

std::string PayloadJson(const TokenClaims& claims) {
  Json payload = {
      {"iss", claims.issuer},
      {"aud", claims.audience},
      {"sub", claims.subject},
      {"iat", absl::ToUnixSeconds(claims.issued_at)},
      {"exp", absl::ToUnixSeconds(claims.issued_at + claims.ttl)},
  };
  if (claims.not_before.has_value()) payload["nbf"] = absl::ToUnixSeconds(*claims.not_before);
  if (!claims.scopes.empty()) payload["scope"] = absl::StrJoin(claims.scopes, " ");
  if (!claims.groups.empty()) payload["groups"] = claims.groups;
  return Dump(payload);
}

std::string SignJws(const DevKey& key, std::string_view header_json,
                    std::string_view payload_json) {
  internal::EnsureSodium();
  std::string token = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);

  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(public_key, secret_key, key.seed.data());
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, /*siglen_p=*/nullptr,
                       reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       secret_key);
  sodium_memzero(secret_key, sizeof(secret_key));

  token += ".";
  token += Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(signature), sizeof(signature)));
  return token;
}

std::string MintToken(const DevKey& key, std::string_view kid, const TokenClaims& claims) {
  return SignJws(key, HeaderJson(kid), PayloadJson(claims));
}

}  // namespace registry::devtoken
