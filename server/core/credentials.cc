// DockerConfigServer, FillCredentials and FillAnonymous.
#include "server/core/credentials.h"

#include "server/core/registry_validation.h"
#include "server/core/sodium_codec.h"

namespace registry::core {
namespace {

// Wipes and clears every credential field of `out`; anonymous = false. Fields never set are
// left alone: asking protobuf for a mutable empty field would allocate a string to wipe.
void ClearCredentials(v1::ResolvedCredential& out) {
  if (!out.username().empty()) WipeString(*out.mutable_username());
  if (!out.password().empty()) WipeString(*out.mutable_password());
  if (!out.email().empty()) WipeString(*out.mutable_email());
  if (!out.identity_token().empty()) WipeString(*out.mutable_identity_token());
  if (!out.registry_token().empty()) WipeString(*out.mutable_registry_token());
  out.set_anonymous(false);
}

std::string OrDefault(const std::string& value, std::string_view fallback) {
  return value.empty() ? std::string(fallback) : value;
}

}  // namespace

std::string DockerConfigServer(const ImageKey& image) {
  if (image.docker_hub) return std::string(kDockerHubConfigKey);
  return image.HostPort();
}

void FillCredentials(const v1::Registry& registry, const ImageKey& image,
                     v1::ResolvedCredential& out) {
  ClearCredentials(out);
  out.set_server(DockerConfigServer(image));
  switch (registry.credential_type()) {
    case v1::CREDENTIAL_TYPE_USERNAME_PASSWORD:
      out.set_username(registry.username());
      out.set_password(registry.password());
      out.set_email(registry.email());
      return;
    case v1::CREDENTIAL_TYPE_JSON_TOKEN:
      out.set_username(OrDefault(registry.username(), kJsonKeyUsername));
      out.set_password(registry.json_token());
      out.set_email(registry.email());
      return;
    case v1::CREDENTIAL_TYPE_OAUTH2_TOKEN:
      out.set_username(OrDefault(registry.username(), kOAuth2Username));
      out.set_password(registry.oauth2_token());
      out.set_registry_token(registry.oauth2_token());
      out.set_email(registry.email());
      return;
    default:  // NONE; UNSPECIFIED and unknown values are refused on write.
      out.set_anonymous(true);
      return;
  }
}

void FillAnonymous(const ImageKey& image, v1::ResolvedCredential& out) {
  ClearCredentials(out);
  out.set_anonymous(true);
  out.set_server(DockerConfigServer(image));
}

}  // namespace registry::core
