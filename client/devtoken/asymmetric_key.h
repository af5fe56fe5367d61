// Development/test-only RSA and EC P-256 signing keys (OpenSSL 3), for minting RS256 and ES256
// tokens the server's JwtVerifier accepts, and publishing their public halves as JWKs. Ed25519
// dev keys (the default) are in dev_key.h. Nothing in the server links this library.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/devtoken/dev_key.h"
#include "client/devtoken/mint.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY; kept opaque here.

namespace registry::devtoken {

// An RSA or EC P-256 private key. Copies share the same (immutable) key; thread-safe to use from
// several threads. Treat it, and PrivateKeyPem(), as secrets.
class AsymmetricDevKey {
 public:
  // A fresh RSA key of `modulus_bits` (the server accepts 2048..8192; smaller sizes exist so tests
  // can check the refusal; OpenSSL's minimum is 512). Aborts the process if OpenSSL fails.
  static AsymmetricDevKey GenerateRsa(int modulus_bits = 2048);
  // A fresh EC key on P-256. Aborts the process if OpenSSL fails.
  static AsymmetricDevKey GenerateEcP256();
  // Parses an unencrypted PEM private key (PKCS#8 or traditional) of type RSA or EC P-256.
  // INVALID_ARGUMENT otherwise; the message never contains the input.
  static absl::StatusOr<AsymmetricDevKey> FromPrivateKeyPem(std::string_view pem);

  // The private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
  std::string PrivateKeyPem() const;

  // "RS256" for RSA keys, "ES256" for EC P-256 keys.
  std::string_view alg() const { return alg_; }

  // The public JWK, one compact JSON object:
  //   {"kty":"RSA","kid":kid,"n":"<b64url>","e":"<b64url>","alg":"RS256","use":"sig"}
  //   {"kty":"EC","crv":"P-256","kid":kid,"x":"<b64url 32>","y":"<b64url 32>","alg":"ES256",
  //    "use":"sig"}
  std::string PublicJwkJson(std::string_view kid) const;

  // The JWS signature of `signing_input`: RS256 = RSASSA-PKCS1-v1_5 SHA-256 (modulus-sized);
  // ES256 = R || S, 32 bytes each (RFC 7518 §3.4). Raw bytes, not base64url.
  std::string Sign(std::string_view signing_input) const;

 private:
  AsymmetricDevKey(std::shared_ptr<evp_pkey_st> pkey, std::string_view alg)
      : pkey_(std::move(pkey)), alg_(alg) {}

  std::shared_ptr<evp_pkey_st> pkey_;
  std::string_view alg_;  // Points at a string literal.
};

// A JWKS holding the key's one public JWK, as registry::auth::ParseJwks accepts.
std::string JwksForDevKey(const AsymmetricDevKey& key, std::string_view kid);

// {"alg":alg,"typ":"JWT","kid":kid}: the header for any alg (HeaderJson(kid) is the EdDSA one).
std::string HeaderJson(std::string_view kid, std::string_view alg);

// A compact JWS: base64url(header) "." base64url(payload) "." base64url(key.Sign(first two parts)).
// The inputs are used verbatim, so tests can forge headers (e.g. a mismatched "alg").
std::string SignJws(const AsymmetricDevKey& key, std::string_view header_json,
                    std::string_view payload_json);

// SignJws(key, HeaderJson(kid, key.alg()), PayloadJson(claims)).
std::string MintToken(const AsymmetricDevKey& key, std::string_view kid, const TokenClaims& claims);

// MintToken for a key known to be RSA / EC P-256.
// REQUIRES: key.alg() == "RS256" (resp. "ES256"); aborts otherwise.
std::string MintRs256Token(const AsymmetricDevKey& key, std::string_view kid,
                           const TokenClaims& claims);
std::string MintEs256Token(const AsymmetricDevKey& key, std::string_view kid,
                           const TokenClaims& claims);

}  // namespace registry::devtoken
