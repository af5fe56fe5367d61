// What a resolved image gets back (issue 3, "What comes back"): the docker
// config key for the image and the credential fields of a ResolvedCredential,
// per credential type of the registry that answered.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "cloudmanager/registry/v1/credential_service.pb.h"
#include "cloudmanager/registry/v1/registry.pb.h"
#include "server/core/image_key.h"

namespace registry::core {

namespace v1 = ::cloudmanager::registry::v1;

// Docker config key of Docker Hub (what `docker login` writes).
inline constexpr std::string_view kDockerHubConfigKey = "https://index.docker.io/v1/";
// Username of OAUTH2_TOKEN registries that have none (Google's convention).
inline constexpr std::string_view kOAuth2Username = "oauth2accesstoken";

// Returns the docker config key for `image`: kDockerHubConfigKey for Docker
// Hub, otherwise the image's own lowercased host[:port] (so a wildcard registry
// such as "*.gcr.io" yields the concrete "eu.gcr.io").
std::string DockerConfigServer(const ImageKey& image);

// Sets `server` = DockerConfigServer(image) and the credential fields of `out`
// (username, password, email, registry_token, identity_token, anonymous) from
// the stored `registry`, which carries its secrets:
// - USERNAME_PASSWORD → username, password, email;
// - JSON_TOKEN → username (kJsonKeyUsername "_json_key" unless set), password =
//   json_token byte-exact, email;
// - OAUTH2_TOKEN → username (kOAuth2Username unless set), password = token,
//   registry_token = token, email;
// - NONE (and, defensively, UNSPECIFIED or unknown) → anonymous = true, all
//   credential fields empty.
// Credential fields not named for the type are cleared; identity_token is
// always empty. Does not touch image, reference, registry or explanation.
// The secrets are copied into `out`: the caller owns wiping them.
void FillCredentials(const v1::Registry& registry, const ImageKey& image,
                     v1::ResolvedCredential& out);

// The anonymous answer: anonymous = true, server = DockerConfigServer(image),
// all credential fields cleared (wiped). Does not touch image, reference,
// registry or explanation.
void FillAnonymous(const ImageKey& image, v1::ResolvedCredential& out);

}  // namespace registry::core
