// RSA / EC P-256 dev keys with OpenSSL 3: generation, PEM, public JWKs, and JWS signatures.
#include "client/devtoken/asymmetric_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "nlohmann/json.hpp"

namespace registry::devtoken {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kRs256 = "RS256";
constexpr std::string_view kEs256 = "ES256";

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

// Leaves OpenSSL's per-thread error queue empty on every exit (gRPC shares it).
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "registry_devtoken: OpenSSL failed: %s\n", what);
  std::abort();
}

std::shared_ptr<evp_pkey_st> Own(EVP_PKEY* pkey) {
  return std::shared_ptr<evp_pkey_st>(pkey, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

std::string BigEndian(const BIGNUM* bn, int pad_to = 0) {
  const int len = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(len), '\0');
  const int written = pad_to > 0
                          ? BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len)
                          : BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  if (written != len) Die("BN_bn2bin");
  return out;
}

BnPtr BignumParam(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) Die("EVP_PKEY_get_bn_param");
  return BnPtr(bn);
}

// "ES256" for an EC key on P-256, "RS256" for RSA, empty otherwise.
std::string_view AlgOf(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA") == 1) return kRs256;
  if (EVP_PKEY_is_a(pkey, "EC") == 1) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) == 1 &&
        std::string_view(group, len) == "prime256v1") {
      return kEs256;
    }
  }
  return {};
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

AsymmetricDevKey AsymmetricDevKey::GenerateRsa(int modulus_bits) {
  ErrorQueueGuard guard;
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(/*libctx=*/nullptr, /*propq=*/nullptr, "RSA",
                                     static_cast<size_t>(modulus_bits));
  if (pkey == nullptr) Die("RSA key generation");
  return AsymmetricDevKey(Own(pkey), kRs256);
}

AsymmetricDevKey AsymmetricDevKey::GenerateEcP256() {
  ErrorQueueGuard guard;
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(/*libctx=*/nullptr, /*propq=*/nullptr, "EC", "P-256");
  if (pkey == nullptr) Die("EC P-256 key generation");
  return AsymmetricDevKey(Own(pkey), kEs256);
}

absl::StatusOr<AsymmetricDevKey> AsymmetricDevKey::FromPrivateKeyPem(std::string_view pem) {
  ErrorQueueGuard guard;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("OpenSSL: out of memory");
  // A password callback that refuses: an encrypted key fails instead of prompting on the tty.
  pem_password_cb* no_password = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError("not an unencrypted PEM private key");
  }
  std::shared_ptr<evp_pkey_st> owned = Own(pkey);
  const std::string_view alg = AlgOf(pkey);
  if (alg.empty()) return absl::InvalidArgumentError("PEM key is neither RSA nor EC P-256");
  return AsymmetricDevKey(std::move(owned), alg);
}

std::string AsymmetricDevKey::PrivateKeyPem() const {
  ErrorQueueGuard guard;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), /*enc=*/nullptr, /*kstr=*/nullptr, 0,
                               /*cb=*/nullptr, /*u=*/nullptr) != 1) {
    Die("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string AsymmetricDevKey::PublicJwkJson(std::string_view kid) const {
  ErrorQueueGuard guard;
  Json jwk;
  if (alg_ == kRs256) {
    jwk = {
        {"kty", "RSA"},
        {"n", Base64UrlEncode(BigEndian(BignumParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N).get()))},
        {"e", Base64UrlEncode(BigEndian(BignumParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E).get()))}};
  } else {
    jwk = {
        {"kty", "EC"},
        {"crv", "P-256"},
        {"x",
         Base64UrlEncode(BigEndian(BignumParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X).get(), 32))},
        {"y",
         Base64UrlEncode(BigEndian(BignumParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y).get(), 32))}};
  }
  jwk["kid"] = std::string(kid);
  jwk["alg"] = std::string(alg_);
  jwk["use"] = "sig";
  return Dump(jwk);
}

std::string AsymmetricDevKey::Sign(std::string_view signing_input) const {
  ErrorQueueGuard guard;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit_ex(ctx.get(), /*pctx=*/nullptr, "SHA256", /*libctx=*/nullptr,
                            /*props=*/nullptr, pkey_.get(), /*params=*/nullptr) != 1) {
    Die("EVP_DigestSignInit_ex");
  }
  const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, input, signing_input.size()) != 1) {
    Die("EVP_DigestSign");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, input,
                     signing_input.size()) != 1) {
    Die("EVP_DigestSign");
  }
  signature.resize(len);
  if (alg_ == kRs256) return signature;

  // ES256: DER ECDSA-Sig-Value -> R || S, each left-padded to 32 bytes.
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())));
  if (sig == nullptr) Die("d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return BigEndian(r, 32) + BigEndian(s, 32);
}

std::string JwksForDevKey(const AsymmetricDevKey& key, std::string_view kid) {
  return JwksOf({key.PublicJwkJson(kid)});
}

std::string HeaderJson(std::string_view kid, std::string_view alg) {
  return Dump(Json{{"alg", std::string(alg)}, {"typ", "JWT"}, {"kid", std::string(kid)}});
}

std::string SignJws(const AsymmetricDevKey& key, std::string_view header_json,
                    std::string_view payload_json) {
  std::string token = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  const std::string signature = key.Sign(token);
  return token + "." + Base64UrlEncode(signature);
}

std::string MintToken(const AsymmetricDevKey& key, std::string_view kid,
                      const TokenClaims& claims) {
  return SignJws(key, HeaderJson(kid, key.alg()), PayloadJson(claims));
}

std::string MintRs256Token(const AsymmetricDevKey& key, std::string_view kid,
                           const TokenClaims& claims) {
  if (key.alg() != kRs256) Die("MintRs256Token needs an RSA key");
  return MintToken(key, kid, claims);
}

std::string MintEs256Token(const AsymmetricDevKey& key, std::string_view kid,
                           const TokenClaims& claims) {
  if (key.alg() != kEs256) Die("MintEs256Token needs an EC P-256 key");
  return MintToken(key, kid, claims);
}

}  // namespace registry::devtoken
