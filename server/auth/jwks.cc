// JWKS parsing with nlohmann-json (exceptions disabled at the call sites), libsodium base64url, and
// OpenSSL for building RSA / EC public keys.
#include "server/auth/jwks.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/auth/openssl_support.h"
#include "server/auth/sodium_support.h"

namespace registry::auth {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxJwksFileBytes = 1 << 20;

// Returns the string member `name` of `object`, or nullptr when absent or not a string.
const std::string* StringMember(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

// Checks that optional member `name`, if present, is the string `want`.
absl::Status CheckOptionalMember(const Json& key, const char* name, const char* want,
                                 const std::string& where) {
  auto it = key.find(name);
  if (it == key.end()) return absl::OkStatus();
  if (!it->is_string() || it->get_ref<const std::string&>() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"", name, "\" must be \"", want, "\" when present"));
  }
  return absl::OkStatus();
}

// Reads string member `name` and decodes it as unpadded base64url.
absl::StatusOr<std::string> DecodedMember(const Json& key, const char* name,
                                          const std::string& where) {
  const std::string* text = StringMember(key, name);
  if (text == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"", name, "\" is missing or not a string"));
  }
  std::optional<std::string> raw = internal::DecodeBase64Url(*text);
  if (!raw.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"", name, "\" is not unpadded base64url"));
  }
  return *std::move(raw);
}

// Like DecodedMember, and the result must be exactly 32 bytes (`what` names the key kind).
absl::StatusOr<std::string> Decoded32(const Json& key, const char* name, const char* what,
                                      const std::string& where) {
  absl::StatusOr<std::string> raw = DecodedMember(key, name, where);
  if (!raw.ok()) return raw.status();
  if (raw->size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"", name, "\" decodes to ",
                                                   raw->size(), " bytes; ", what, " needs 32"));
  }
  return raw;
}

absl::StatusOr<PublicKey> ParseEd25519(const Json& key, const std::string& where) {
  absl::StatusOr<std::string> x = Decoded32(key, "x", "Ed25519", where);
  if (!x.ok()) return x.status();
  Ed25519PublicKey out;
  std::memcpy(out.bytes.data(), x->data(), out.bytes.size());
  return out;
}

absl::StatusOr<PublicKey> ParseRsa(const Json& key, const std::string& where) {
  absl::StatusOr<std::string> n = DecodedMember(key, "n", where);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = DecodedMember(key, "e", where);
  if (!e.ok()) return e.status();
  absl::StatusOr<RsaPublicKey> rsa = internal::MakeRsaPublicKey(*n, *e);
  if (!rsa.ok()) {
    return absl::Status(rsa.status().code(), absl::StrCat(where, ": ", rsa.status().message()));
  }
  return *std::move(rsa);
}

absl::StatusOr<PublicKey> ParseEcP256(const Json& key, const std::string& where) {
  absl::StatusOr<std::string> x = Decoded32(key, "x", "P-256", where);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = Decoded32(key, "y", "P-256", where);
  if (!y.ok()) return y.status();
  absl::StatusOr<EcP256PublicKey> ec = internal::MakeEcP256PublicKey(*x, *y);
  if (!ec.ok()) {
    return absl::Status(ec.status().code(), absl::StrCat(where, ": ", ec.status().message()));
  }
  return *std::move(ec);
}

absl::StatusOr<JwkKey> ParseKey(const Json& key, const std::string& where) {
  if (!key.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, " is not an object"));
  const std::string* kty = StringMember(key, "kty");
  if (kty == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"kty\" is missing or not a string"));
  }
  const std::string* crv = StringMember(key, "crv");
  const char* alg = nullptr;  // The one JWS alg this kind of key verifies.
  absl::StatusOr<PublicKey> (*parse)(const Json&, const std::string&) = nullptr;
  if (*kty == "OKP" && crv != nullptr && *crv == "Ed25519") {
    alg = "EdDSA";
    parse = &ParseEd25519;
  } else if (*kty == "RSA") {
    alg = "RS256";
    parse = &ParseRsa;
  } else if (*kty == "EC" && crv != nullptr && *crv == "P-256") {
    alg = "ES256";
    parse = &ParseEcP256;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": unsupported key type (kty \"", *kty, "\", crv \"", crv == nullptr ? "" : *crv,
        "\"); supported: kty OKP with crv Ed25519, kty RSA, kty EC with crv P-256"));
  }
  if (auto s = CheckOptionalMember(key, "alg", alg, where); !s.ok()) return s;
  if (auto s = CheckOptionalMember(key, "use", "sig", where); !s.ok()) return s;
  for (const char* private_member : {"d", "p", "q"}) {
    if (key.contains(private_member)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": contains private key material (\"",
                                                     private_member,
                                                     "\"); publish only the public key"));
    }
  }
  JwkKey out;
  auto kid = key.find("kid");
  if (kid != key.end()) {
    if (!kid->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": \"kid\" is not a string"));
    }
    out.kid = kid->get<std::string>();
  }
  absl::StatusOr<PublicKey> public_key = parse(key, where);
  if (!public_key.ok()) return public_key.status();
  out.key = *std::move(public_key);
  return out;
}

// `source` names the input in messages: "JWKS" or "JWKS file <path>".
absl::StatusOr<Jwks> ParseJwksFrom(std::string_view text, const std::string& source) {
  const Json doc = Json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": \"keys\" is missing or not an array"));
  }
  if (keys->empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": \"keys\" is empty"));
  if (auto s = internal::InitSodium(); !s.ok()) return s;

  Jwks jwks;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < keys->size(); ++i) {
    const std::string where = absl::StrCat(source, ": key ", i);
    absl::StatusOr<JwkKey> key = ParseKey((*keys)[i], where);
    if (!key.ok()) return key.status();
    if (!seen.insert(key->kid).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate kid \"", key->kid, "\""));
    }
    jwks.keys.push_back(*std::move(key));
  }
  return jwks;
}

}  // namespace

std::string_view JwkKey::alg() const {
  struct Visitor {
    std::string_view operator()(const Ed25519PublicKey&) const { return kAlgEdDsa; }
    std::string_view operator()(const RsaPublicKey&) const { return kAlgRs256; }
    std::string_view operator()(const EcP256PublicKey&) const { return kAlgEs256; }
  };
  return std::visit(Visitor{}, key);
}

const std::array<uint8_t, 32>* JwkKey::ed25519_public_key() const {
  const Ed25519PublicKey* ed = std::get_if<Ed25519PublicKey>(&key);
  return ed == nullptr ? nullptr : &ed->bytes;
}

const JwkKey* Jwks::Find(std::string_view kid) const {
  for (const JwkKey& key : keys) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

absl::StatusOr<Jwks> ParseJwks(std::string_view json) { return ParseJwksFrom(json, "JWKS"); }

absl::StatusOr<Jwks> LoadJwksFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open JWKS file ", path, ": ", std::strerror(errno)));
  }
  std::string text(kMaxJwksFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read JWKS file ", path));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxJwksFileBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("JWKS file ", path, " is larger than ", kMaxJwksFileBytes, " bytes"));
  }
  return ParseJwksFrom(text, absl::StrCat("JWKS file ", path));
}

}  // namespace registry::auth
