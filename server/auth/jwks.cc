// JWKS parsing with nlohmann-json (exceptions disabled at the call sites) and libsodium base64url.
#include "server/auth/jwks.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
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

absl::StatusOr<JwkKey> ParseKey(const Json& key, const std::string& where) {
  if (!key.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, " is not an object"));
  const std::string* kty = StringMember(key, "kty");
  if (kty == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"kty\" is missing or not a string"));
  }
  const std::string* crv = StringMember(key, "crv");
  if (*kty != "OKP" || crv == nullptr || *crv != "Ed25519") {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": unsupported key type (kty \"", *kty, "\", crv \"", crv == nullptr ? "" : *crv,
        "\"); only kty OKP with crv Ed25519 is supported"));
  }
  if (auto s = CheckOptionalMember(key, "alg", "EdDSA", where); !s.ok()) return s;
  if (auto s = CheckOptionalMember(key, "use", "sig", where); !s.ok()) return s;
  if (key.contains("d")) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": contains private key material (\"d\"); publish only the public key"));
  }
  JwkKey out;
  auto kid = key.find("kid");
  if (kid != key.end()) {
    if (!kid->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": \"kid\" is not a string"));
    }
    out.kid = kid->get<std::string>();
  }
  const std::string* x = StringMember(key, "x");
  if (x == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"x\" is missing or not a string"));
  }
  std::optional<std::string> raw = internal::DecodeBase64Url(*x);
  if (!raw.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"x\" is not unpadded base64url"));
  }
  if (raw->size() != out.ed25519_public_key.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"x\" decodes to ", raw->size(), " bytes; Ed25519 needs 32"));
  }
  std::memcpy(out.ed25519_public_key.data(), raw->data(), raw->size());
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
