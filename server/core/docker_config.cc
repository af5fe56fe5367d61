// BuildDockerConfigJson: groups entries per server, path-scopes conflicting
// ones, serializes with nlohmann-json.
#include "server/core/docker_config.h"

#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "server/core/credentials.h"
#include "server/core/sodium_codec.h"

namespace registry::core {
namespace {

bool SameCredentials(const DockerConfigEntry& a, const DockerConfigEntry& b) {
  return a.username == b.username && a.password == b.password && a.email == b.email;
}

// "host[:port]/seg/seg", "docker.io/seg/seg" for Docker Hub; `server` alone
// when the registry has no path.
std::string PathScopedKey(const DockerConfigEntry& entry) {
  if (entry.registry_path.empty()) return entry.server;
  const std::string_view host =
      entry.server == kDockerHubConfigKey ? std::string_view("docker.io") : entry.server;
  return absl::StrCat(std::string(host), "/", absl::StrJoin(entry.registry_path, "/"));
}

// The auth object of `entry`, its strings moved in (no copies of the secret left behind).
nlohmann::json AuthObject(const DockerConfigEntry& entry) {
  std::string user_password = absl::StrCat(entry.username, ":", entry.password);
  nlohmann::json auth(nlohmann::json::value_t::object);
  auto& fields = auth.get_ref<nlohmann::json::object_t&>();
  fields.emplace("auth", Base64Encode(user_password, Base64Variant::kStandard));
  fields.emplace("email", entry.email);
  fields.emplace("password", entry.password);
  fields.emplace("username", entry.username);
  WipeString(user_password);
  return auth;
}

// Best effort: wipes the secret copies held by the json tree.
void WipeSecrets(nlohmann::json::object_t& auths) {
  for (auto& [key, value] : auths) {
    auto& fields = value.get_ref<nlohmann::json::object_t&>();
    WipeString(fields["password"].get_ref<std::string&>());
    WipeString(fields["auth"].get_ref<std::string&>());
  }
}

}  // namespace

std::string BuildDockerConfigJson(const std::vector<DockerConfigEntry>& entries) {
  std::map<std::string_view, std::vector<const DockerConfigEntry*>> by_server;
  for (const DockerConfigEntry& entry : entries) by_server[entry.server].push_back(&entry);

  nlohmann::json config(nlohmann::json::value_t::object);
  auto& auths = config.get_ref<nlohmann::json::object_t&>()
                    .emplace("auths", nlohmann::json::value_t::object)
                    .first->second.get_ref<nlohmann::json::object_t&>();
  for (const auto& [server, group] : by_server) {
    bool conflict = false;
    for (const DockerConfigEntry* entry : group) {
      conflict = conflict || !SameCredentials(*entry, *group.front());
    }
    for (const DockerConfigEntry* entry : group) {
      std::string key = conflict ? PathScopedKey(*entry) : std::string(server);
      if (!auths.contains(key)) auths.emplace(std::move(key), AuthObject(*entry));
    }
  }
  std::string out = config.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                                nlohmann::json::error_handler_t::replace);
  WipeSecrets(auths);
  return out;
}

}  // namespace registry::core
