// Preset table and the global Docker Hub record.
#include "server/core/presets.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/core/etag.h"
#include "server/core/names.h"
#include "server/core/registry_validation.h"
#include "server/core/string_view_bridge.h"
#include "server/core/thumbnail.h"

namespace registry::core {
namespace {

constexpr std::string_view kDockerHubServer = "https://index.docker.io/v1/";
// 2020-01-01T00:00:00Z: fixed timestamps keep the global record's etag stable.
constexpr int64_t kGlobalRecordSeconds = 1577836800;

// A 64x64 rounded square in `color` with up to three white `initials`.
std::string InitialsThumbnail(std::string_view color, std::string_view initials) {
  return SvgDataUri(absl::StrCat(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">)",
      R"(<rect width="64" height="64" rx="12" fill=")", ToAbsl(color), R"("/>)",
      R"(<text x="32" y="41" font-family="Helvetica,Arial,sans-serif" font-size="22" )",
      R"(font-weight="bold" fill="#ffffff" text-anchor="middle">)", ToAbsl(initials),
      "</text></svg>"));
}

struct PresetSpec {
  std::string_view id;
  std::string_view display_name;
  std::string_view server;
  std::vector<v1::CredentialType> credential_types;
  std::string_view default_username;
  std::string_view color;
  std::string_view initials;
  std::string_view description;
};

std::vector<v1::Preset> BuildPresets() {
  constexpr auto kUserPass = v1::CREDENTIAL_TYPE_USERNAME_PASSWORD;
  const std::vector<PresetSpec> specs = {
      {"docker-hub",
       "Docker Hub",
       kDockerHubServer,
       {kUserPass},
       "",
       "#2496ED",
       "DH",
       "Username: your Docker ID. Password: a Docker Hub personal access token (Account "
       "settings > Personal access tokens) or your password."},
      {"github-packages",
       "GitHub Packages",
       "https://docker.pkg.github.com",
       {kUserPass},
       "",
       "#24292F",
       "GP",
       "Username: your GitHub username. Password: a personal access token (classic) with "
       "read:packages (and write:packages to push). Superseded by GitHub Container Registry."},
      {"ghcr",
       "GitHub Container Registry",
       "ghcr.io",
       {kUserPass},
       "",
       "#6E40C9",
       "GH",
       "Username: your GitHub username. Password: a personal access token (classic) with "
       "read:packages (and write:packages to push)."},
      {"gcr",
       "Google Container Registry",
       "https://gcr.io",
       {v1::CREDENTIAL_TYPE_JSON_TOKEN, v1::CREDENTIAL_TYPE_OAUTH2_TOKEN},
       kJsonKeyUsername,
       "#4285F4",
       "GCR",
       "JSON token: paste a service-account JSON key (username _json_key). Or OAuth2 token: an "
       "access token from `gcloud auth print-access-token` (short-lived)."},
      {"quay",
       "Quay",
       "quay.io",
       {kUserPass},
       "",
       "#40B4E5",
       "Q",
       "Username: your Quay username or robot account (org+robot). Password: your password, "
       "encrypted password or the robot token."},
      {"gitlab",
       "GitLab Container Registry",
       "registry.gitlab.com",
       {kUserPass},
       "",
       "#FC6D26",
       "GL",
       "Username: your GitLab username (or deploy token username). Password: a personal, "
       "project, group or deploy token with read_registry (and write_registry to push)."},
      {"artifact-registry",
       "Google Artifact Registry",
       "*-docker.pkg.dev",
       {v1::CREDENTIAL_TYPE_JSON_TOKEN, v1::CREDENTIAL_TYPE_OAUTH2_TOKEN},
       kJsonKeyUsername,
       "#34A853",
       "AR",
       "JSON token: paste a service-account JSON key with Artifact Registry Reader (Writer to "
       "push), username _json_key. Or OAuth2 token: `gcloud auth print-access-token`."},
      {"acr",
       "Azure Container Registry",
       "*.azurecr.io",
       {kUserPass},
       "",
       "#0078D4",
       "ACR",
       "Username: a service principal's application (client) ID, a repository-scoped token "
       "name or the admin user. Password: its secret or password."},
      {"ecr",
       "Amazon ECR",
       "*.dkr.ecr.*.amazonaws.com",
       {kUserPass},
       "AWS",
       "#FF9900",
       "ECR",
       "Username: AWS. Password: the output of `aws ecr get-login-password --region REGION` "
       "(valid for 12 hours)."},
  };
  std::vector<v1::Preset> presets;
  presets.reserve(specs.size());
  for (const PresetSpec& spec : specs) {
    v1::Preset& p = presets.emplace_back();
    p.set_id(std::string(spec.id));
    p.set_display_name(std::string(spec.display_name));
    p.set_server(std::string(spec.server));
    for (v1::CredentialType type : spec.credential_types) p.add_credential_types(type);
    p.set_default_username(std::string(spec.default_username));
    p.set_thumbnail_uri(InitialsThumbnail(spec.color, spec.initials));
    p.set_description(std::string(spec.description));
  }
  return presets;
}

v1::Registry BuildGlobalDockerHub() {
  v1::Registry r;
  r.set_name(std::string(kGlobalRegistryName));
  r.set_display_name("Docker Hub");
  r.set_server(std::string(kDockerHubServer));
  r.set_credential_type(v1::CREDENTIAL_TYPE_NONE);
  r.set_thumbnail_uri(InitialsThumbnail("#2496ED", "DH"));
  r.set_global(true);
  r.mutable_create_time()->set_seconds(kGlobalRecordSeconds);
  r.mutable_update_time()->set_seconds(kGlobalRecordSeconds);
  r.set_etag(ComputeEtag(r));
  return r;
}

}  // namespace

const std::vector<v1::Preset>& Presets() {
  static const auto* const presets = new std::vector<v1::Preset>(BuildPresets());
  return *presets;
}

v1::Registry GlobalDockerHub() {
  static const auto* const record = new v1::Registry(BuildGlobalDockerHub());
  return *record;
}

}  // namespace registry::core
