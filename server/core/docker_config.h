// The `.dockerconfigjson` of a ResolveCredentials answer (issue 3, "What comes
// back"): {"auths": {key: {"username", "password", "email", "auth"}}}, usable
// as a Kubernetes `kubernetes.io/dockerconfigjson` Secret and as a Docker /
// Kaniko / BuildKit config.json. Built with nlohmann-json, base64 by libsodium.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace registry::core {

// One non-anonymous resolved image.
struct DockerConfigEntry {
  // ResolvedCredential.server: kDockerHubConfigKey or the image's host[:port].
  std::string server;
  // Path segments of the registry that answered (ServerKey.path_segments).
  std::vector<std::string> registry_path;
  std::string username;
  std::string password;
  std::string email;
};

// Returns the compact JSON {"auths": {key: {"auth": base64(username ":"
// password), "email", "password", "username"}}} with one key per distinct
// entry, every string byte-exact (a JSON key used as password round-trips):
// - when all entries of one server carry the same credentials, they share the
//   key `server` (duplicates merged);
// - when entries of one server need different credentials, every entry of that
//   server is keyed by the registry's path prefix instead: "host[:port]/seg/seg",
//   "docker.io/seg/seg" for Docker Hub (Kubernetes matches path-scoped keys,
//   most specific first); an entry whose registry has no path keeps `server`.
//   Entries that still share a key keep the first one given.
// Keys and fields are sorted, so equal inputs give equal bytes. Returns
// {"auths":{}} for no entries. Callers pass only non-anonymous entries.
// Strings are expected to be UTF-8 (proto3 strings are); invalid sequences
// would be replaced by U+FFFD rather than throw.
// The result holds secrets: the caller owns wiping it.
std::string BuildDockerConfigJson(const std::vector<DockerConfigEntry>& entries);

}  // namespace registry::core
