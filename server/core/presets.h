// The quick-setup presets (ListPresets) and the global Docker Hub default
// registry. Both are built once on first use and immutable afterwards.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <vector>

#include "cloudmanager/registry/v1/registry.pb.h"

namespace registry::core {

namespace v1 = ::cloudmanager::registry::v1;

// Returns the presets, most common first: docker-hub, github-packages, ghcr,
// gcr, quay, gitlab, artifact-registry, acr, ecr. Each has a server that
// ParseServerKey accepts, its credential types (preferred first), a default
// username where the registry expects a fixed one, a one-line description of
// what to paste where, and an inline SVG thumbnail that passes validation.
// The reference stays valid for the life of the process.
const std::vector<v1::Preset>& Presets();

// Returns the global default registry `registries/docker-hub`: display_name
// "Docker Hub", server https://index.docker.io/v1/, CREDENTIAL_TYPE_NONE,
// global true, a thumbnail, create/update time 2020-01-01T00:00:00Z and a fixed
// etag (ComputeEtag of the record). Identical on every call.
v1::Registry GlobalDockerHub();

}  // namespace registry::core
