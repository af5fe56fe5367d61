// Fuzzes ParseJwks (server/auth/jwks.h) with the whole input as the JWKS document.
// Invariants (abort on violation):
// - a parsed key set is non-empty, its kids are unique and Find() returns each key;
// - every key is usable: RSA keys have 2048-8192 bits and an OpenSSL key, EC keys an OpenSSL
//   key, and alg() names the key's kind;
// - JwtVerifier::Create accepts every parsed key set, and the verifier refuses a fixed
//   garbage-signed token without crashing (exercises the parsed OpenSSL keys);
// - a refusal is INVALID_ARGUMENT (messages never carry key material, which cannot be checked
//   cheaply here).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/time/time.h"
#include "server/auth/jwks.h"
#include "server/auth/jwt_verifier.h"

namespace {

namespace auth = ::registry::auth;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_jwks: invariant violated: %s\n", what);
  std::abort();
}

struct KindCheck {
  const auth::JwkKey& key;
  void operator()(const auth::Ed25519PublicKey&) const {
    Check(key.alg() == auth::kAlgEdDsa, "Ed25519 key with another alg");
    Check(key.ed25519_public_key() != nullptr, "Ed25519 key without its bytes");
  }
  void operator()(const auth::RsaPublicKey& k) const {
    Check(key.alg() == auth::kAlgRs256, "RSA key with another alg");
    Check(k.evp != nullptr, "RSA key without an OpenSSL key");
    Check(k.modulus_bits >= 2048 && k.modulus_bits <= 8192, "RSA modulus size out of range");
    Check(key.ed25519_public_key() == nullptr, "RSA key claims Ed25519 bytes");
  }
  void operator()(const auth::EcP256PublicKey& k) const {
    Check(key.alg() == auth::kAlgEs256, "EC key with another alg");
    Check(k.evp != nullptr, "EC key without an OpenSSL key");
    Check(key.ed25519_public_key() == nullptr, "EC key claims Ed25519 bytes");
  }
};

// Header {"alg":<alg>,"kid":<kid>} would need escaping for arbitrary kids, so the probe token
// is kid-less: it selects the key only in one-key sets. Signature: 64 bytes of 'A' (zeros),
// which is the ES256/EdDSA size and a wrong RSA size.
constexpr std::string_view kProbeTokens[] = {
    // {"alg":"EdDSA"} . {"sub":"x"} . zeros
    "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0."
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    // {"alg":"RS256"}
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0."
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    // {"alg":"ES256"}
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0."
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<auth::Jwks> jwks = auth::ParseJwks(input);
  if (!jwks.ok()) {
    Check(jwks.status().code() == absl::StatusCode::kInvalidArgument,
          "refusal is not INVALID_ARGUMENT");
    return 0;
  }
  Check(!jwks->keys.empty(), "empty key set accepted");
  for (const auth::JwkKey& key : jwks->keys) {
    Check(jwks->Find(key.kid) == &key, "kid not unique or not found");
    std::visit(KindCheck{key}, key.key);
  }

  auth::JwtVerifierOptions options;
  options.issuer = "https://id.example.test";
  options.audience = "registry";
  options.clock = [] { return absl::FromUnixSeconds(1'700'000'000); };
  absl::StatusOr<auth::TokenVerifierPtr> verifier =
      auth::JwtVerifier::Create(*std::move(jwks), std::move(options));
  Check(verifier.ok(), "JwtVerifier::Create refused a parsed key set");
  for (std::string_view token : kProbeTokens) {
    Check(!(*verifier)->Verify(token).ok(), "accepted a token with a zero signature");
  }
  return 0;
}
