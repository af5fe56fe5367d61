// RSA / EC P-256 public keys and RS256 / ES256 verification with OpenSSL 3 EVP APIs.
#include "server/auth/openssl_support.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace registry::auth::internal {

struct EvpPublicKey {
  explicit EvpPublicKey(EVP_PKEY* key) : pkey(key) {}
  EvpPublicKey(const EvpPublicKey&) = delete;
  EvpPublicKey& operator=(const EvpPublicKey&) = delete;
  ~EvpPublicKey() { EVP_PKEY_free(pkey); }

  EVP_PKEY* const pkey;  // Owned; never null.
};

namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

// OpenSSL reports failures on a per-thread error queue. gRPC's TLS code shares that queue on the
// same threads, so every function here leaves it empty, whatever happened.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

BnPtr ToBignum(std::string_view big_endian) {
  return BnPtr(BN_bin2bn(Bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

// EVP_PKEY_fromdata for a public key of `type` ("RSA", "EC"); nullptr on any failure.
PkeyPtr PublicKeyFromParams(const char* type, OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(/*libctx=*/nullptr, type, /*propquery=*/nullptr));
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) return nullptr;
  return PkeyPtr(pkey);
}

bool DigestVerifySha256(EVP_PKEY* pkey, std::string_view message, const unsigned char* signature,
                        size_t signature_len) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return false;
  if (EVP_DigestVerifyInit_ex(ctx.get(), /*pctx=*/nullptr, "SHA256", /*libctx=*/nullptr,
                              /*props=*/nullptr, pkey, /*params=*/nullptr) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature, signature_len, Bytes(message), message.size()) == 1;
}

}  // namespace

absl::StatusOr<RsaPublicKey> MakeRsaPublicKey(std::string_view n, std::string_view e) {
  ErrorQueueGuard guard;
  if (n.size() > kMaxRsaModulusBits / 8 + 1) {
    return absl::InvalidArgumentError("RSA modulus \"n\" is larger than 8192 bits");
  }
  if (e.size() > 16) return absl::InvalidArgumentError("RSA exponent \"e\" is too large");
  BnPtr bn_n = ToBignum(n);
  BnPtr bn_e = ToBignum(e);
  if (bn_n == nullptr || bn_e == nullptr) return absl::InternalError("OpenSSL: out of memory");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaModulusBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA modulus \"n\" has ", bits, " bits; at least 2048 are required"));
  }
  if (bits > kMaxRsaModulusBits) {
    return absl::InvalidArgumentError("RSA modulus \"n\" is larger than 8192 bits");
  }
  if (!BN_is_odd(bn_n.get())) return absl::InvalidArgumentError("RSA modulus \"n\" is even");
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 || BN_num_bits(bn_e.get()) > 64) {
    return absl::InvalidArgumentError(
        "RSA exponent \"e\" must be odd, at least 3 and at most 64 bits");
  }

  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::InternalError("OpenSSL: cannot build RSA key parameters");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) return absl::InternalError("OpenSSL: cannot build RSA key parameters");
  PkeyPtr pkey = PublicKeyFromParams("RSA", params.get());
  if (pkey == nullptr) return absl::InvalidArgumentError("RSA key rejected by OpenSSL");
  RsaPublicKey out;
  out.modulus_bits = EVP_PKEY_get_bits(pkey.get());
  out.evp = std::make_shared<const EvpPublicKey>(pkey.release());
  return out;
}

absl::StatusOr<EcP256PublicKey> MakeEcP256PublicKey(std::string_view x, std::string_view y) {
  ErrorQueueGuard guard;
  EcP256PublicKey out;
  if (x.size() != out.x.size() || y.size() != out.y.size()) {
    return absl::InvalidArgumentError("P-256 coordinates must be 32 bytes each");
  }
  // SEC 1 §2.3.3 uncompressed point: 0x04 || X || Y.
  std::string point(1, '\x04');
  point.append(x);
  point.append(y);
  static constexpr char kGroup[] = SN_X9_62_prime256v1;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError("OpenSSL: cannot build EC key parameters");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (params == nullptr) return absl::InternalError("OpenSSL: cannot build EC key parameters");
  PkeyPtr pkey = PublicKeyFromParams("EC", params.get());
  if (pkey == nullptr) return absl::InvalidArgumentError("EC point is not on curve P-256");
  // Full public-key validation (SP 800-56A §5.6.2.3.3): not infinity, on the curve, right order.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(/*libctx=*/nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return absl::InvalidArgumentError("EC point is not a valid P-256 public key");
  }
  std::copy(x.begin(), x.end(), out.x.begin());
  std::copy(y.begin(), y.end(), out.y.begin());
  out.evp = std::make_shared<const EvpPublicKey>(pkey.release());
  return out;
}

bool VerifyRs256(const EvpPublicKey& key, std::string_view message, std::string_view signature) {
  ErrorQueueGuard guard;
  if (EVP_PKEY_is_a(key.pkey, "RSA") != 1) return false;
  return DigestVerifySha256(key.pkey, message, Bytes(signature), signature.size());
}

bool VerifyEs256(const EvpPublicKey& key, std::string_view message, std::string_view signature) {
  ErrorQueueGuard guard;
  if (signature.size() != 64 || EVP_PKEY_is_a(key.pkey, "EC") != 1) return false;
  // JWS carries R || S (RFC 7518 §3.4); OpenSSL wants a DER ECDSA-Sig-Value.
  BnPtr r = ToBignum(signature.substr(0, 32));
  BnPtr s = ToBignum(signature.substr(32));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr) return false;
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  (void)r.release();  // Owned by sig now.
  (void)s.release();
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  const bool ok = DigestVerifySha256(key.pkey, message, der, static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return ok;
}

}  // namespace registry::auth::internal
