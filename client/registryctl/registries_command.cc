// `registryctl registries ...` and `registryctl presets`.
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/registryctl/commands.h"
#include "client/registryctl/output.h"
#include "google/protobuf/util/time_util.h"

namespace registry::ctl {
namespace {

using google::protobuf::util::TimeUtil;

constexpr const char* kSecretLikeOptions[] = {"password", "oauth2-token", "json-token", "secret"};

absl::StatusOr<v1::CredentialType> ParseCredentialType(std::string text) {
  text = absl::AsciiStrToLower(text);
  if (text == "none" || text == "credential_type_none") return v1::CREDENTIAL_TYPE_NONE;
  if (text == "username-password" || text == "credential_type_username_password") {
    return v1::CREDENTIAL_TYPE_USERNAME_PASSWORD;
  }
  if (text == "oauth2-token" || text == "credential_type_oauth2_token") {
    return v1::CREDENTIAL_TYPE_OAUTH2_TOKEN;
  }
  if (text == "json-token" || text == "credential_type_json_token") {
    return v1::CREDENTIAL_TYPE_JSON_TOKEN;
  }
  return absl::InvalidArgumentError(
      "--type must be none, username-password, oauth2-token or json-token");
}

std::string CredentialTypeLabel(v1::CredentialType type) {
  switch (type) {
    case v1::CREDENTIAL_TYPE_NONE:
      return "none";
    case v1::CREDENTIAL_TYPE_USERNAME_PASSWORD:
      return "username-password";
    case v1::CREDENTIAL_TYPE_OAUTH2_TOKEN:
      return "oauth2-token";
    case v1::CREDENTIAL_TYPE_JSON_TOKEN:
      return "json-token";
    default:
      return "unspecified";
  }
}

// Reads a secret from a file or, for "-", from stdin. JSON keys keep every byte; other secrets
// lose one trailing newline (what `echo` and editors add).
absl::StatusOr<std::string> ReadSecret(const std::string& path, std::istream& in, bool exact) {
  std::stringstream contents;
  if (path == "-") {
    contents << in.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
    contents << file.rdbuf();
  }
  std::string secret = contents.str();
  if (!exact && !secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!exact && !secret.empty() && secret.back() == '\r') secret.pop_back();
  return secret;
}

// Copies the field options into `registry` and returns the update_mask paths they name.
absl::StatusOr<std::vector<std::string>> ApplyFieldOptions(CommandContext& context,
                                                           v1::Registry& registry) {
  const Args& args = context.args;
  for (const char* option : kSecretLikeOptions) {
    if (args.Option(option)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", option,
                       " is not accepted: secrets never go on the command line; use "
                       "--secret-file FILE (or - for stdin)"));
    }
  }
  std::vector<std::string> paths;
  if (auto v = args.Option("display-name"))
    registry.set_display_name(*v), paths.push_back("display_name");
  if (auto v = args.Option("server")) registry.set_server(*v), paths.push_back("server");
  if (auto v = args.Option("username")) registry.set_username(*v), paths.push_back("username");
  if (auto v = args.Option("email")) registry.set_email(*v), paths.push_back("email");
  if (auto v = args.Option("thumbnail-uri")) {
    registry.set_thumbnail_uri(*v);
    paths.push_back("thumbnail_uri");
  }
  if (auto v = args.Option("type")) {
    absl::StatusOr<v1::CredentialType> type = ParseCredentialType(*v);
    if (!type.ok()) return type.status();
    registry.set_credential_type(*type);
    paths.push_back("credential_type");
  }
  if (auto path = args.Option("secret-file")) {
    if (!args.Option("type")) {
      return absl::InvalidArgumentError("--secret-file needs --type to say which secret it is");
    }
    const bool json = registry.credential_type() == v1::CREDENTIAL_TYPE_JSON_TOKEN;
    absl::StatusOr<std::string> secret = ReadSecret(*path, context.io.in, json);
    if (!secret.ok()) return secret.status();
    switch (registry.credential_type()) {
      case v1::CREDENTIAL_TYPE_USERNAME_PASSWORD:
        registry.set_password(*secret), paths.push_back("password");
        break;
      case v1::CREDENTIAL_TYPE_OAUTH2_TOKEN:
        registry.set_oauth2_token(*secret), paths.push_back("oauth2_token");
        break;
      case v1::CREDENTIAL_TYPE_JSON_TOKEN:
        registry.set_json_token(*secret), paths.push_back("json_token");
        break;
      default:
        return absl::InvalidArgumentError("--type none takes no --secret-file");
    }
  }
  return paths;
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  return time.seconds() == 0 && time.nanos() == 0 ? "-" : TimeUtil::ToString(time);
}

void PrintRegistries(CommandContext& context, const std::vector<v1::Registry>& registries) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::Registry& r : registries) {
    rows.push_back({r.name(), r.display_name(), r.server(),
                    CredentialTypeLabel(r.credential_type()),
                    r.username().empty() ? "-" : r.username(), r.secret_set() ? "yes" : "no",
                    FormatTime(r.update_time())});
  }
  PrintTable(context.io.out,
             {"NAME", "DISPLAY NAME", "SERVER", "TYPE", "USERNAME", "SECRET", "UPDATED"}, rows);
}

void PrintRegistry(CommandContext& context, const v1::Registry& registry) {
  if (context.json_output) return PrintJson(context.io.out, registry);
  std::vector<std::vector<std::string>> rows = {
      {"name", registry.name()},
      {"display name", registry.display_name()},
      {"server", registry.server()},
      {"credential type", CredentialTypeLabel(registry.credential_type())},
      {"username", registry.username()},
      {"email", registry.email()},
      {"secret set", registry.secret_set() ? "yes" : "no"},
      {"secret updated", FormatTime(registry.secret_update_time())},
      {"global", registry.global() ? "yes" : "no"},
      {"created", FormatTime(registry.create_time())},
      {"updated", FormatTime(registry.update_time())},
      {"etag", registry.etag()},
  };
  PrintTable(context.io.out, {"FIELD", "VALUE"}, rows);
}

// "cloudmanager.registry.v1.RegistryService/UpdateRegistry" → "UpdateRegistry".
std::string ShortMethod(const std::string& method) {
  size_t slash = method.rfind('/');
  return slash == std::string::npos ? method : method.substr(slash + 1);
}

void PrintEvents(CommandContext& context, const v1::ListRegistryEventsResponse& page) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::RegistryEvent& event : page.events()) {
    std::string what = ShortMethod(event.method());
    if (!event.images().empty()) {
      what += absl::StrCat(event.action() == v1::ACTION_PUSH ? " push " : " pull ",
                           absl::StrJoin(event.images(), ","));
    }
    rows.push_back(
        {FormatTime(event.event_time()), event.actor(), what, event.outcome(),
         event.secret_fingerprints().empty() ? "-" : event.secret_fingerprints(0).substr(0, 12),
         event.request_id()});
  }
  PrintTable(context.io.out, {"TIME", "ACTOR", "WHAT", "OUTCOME", "SECRET", "REQUEST"}, rows);
  if (!page.next_page_token().empty()) {
    context.io.out << "older events: --page-token " << page.next_page_token() << "\n";
  }
}

int Usage(CommandContext& context, const std::string& message) {
  context.io.err << "registryctl: " << message << " (see registryctl --help)\n";
  return 2;
}

}  // namespace

int RunRegistriesCommand(const std::string& verb, CommandContext& context) {
  const auto& positionals = context.args.positionals;
  if (verb.empty()) return Usage(context, "registries needs create|get|list|update|delete");
  if (positionals.size() != 1) {
    return Usage(context, absl::StrCat("registries ", verb, " takes exactly one name or parent"));
  }
  const std::string& target = positionals[0];
  auto client = context.connect();
  if (!client.ok()) return ReportError(context.io.err, client.status());

  if (verb == "create") {
    v1::Registry registry;
    auto paths = ApplyFieldOptions(context, registry);
    if (!paths.ok()) return Usage(context, std::string(paths.status().message()));
    auto created =
        client->registries->Create(target, context.args.Option("id").value_or(""), registry);
    if (!created.ok()) return ReportError(context.io.err, created.status());
    PrintRegistry(context, *created);
    return 0;
  }
  if (verb == "get") {
    auto registry = client->registries->Get(target);
    if (!registry.ok()) return ReportError(context.io.err, registry.status());
    PrintRegistry(context, *registry);
    return 0;
  }
  if (verb == "list") {
    int page_size = 0;
    auto size = context.args.Option("page-size");
    if (size && (!absl::SimpleAtoi(*size, &page_size) || page_size < 0)) {
      return Usage(context, "--page-size must be a non-negative number");
    }
    auto token = context.args.Option("page-token");
    if (size || token) {
      auto page = client->registries->List(target, page_size, token.value_or(""));
      if (!page.ok()) return ReportError(context.io.err, page.status());
      if (context.json_output) return PrintJson(context.io.out, *page), 0;
      PrintRegistries(context, {page->registries().begin(), page->registries().end()});
      if (!page->next_page_token().empty()) {
        context.io.out << "next page: --page-token " << page->next_page_token() << "\n";
      }
      return 0;
    }
    auto all = client->registries->ListAll(target);
    if (!all.ok()) return ReportError(context.io.err, all.status());
    if (context.json_output) {
      v1::ListRegistriesResponse response;
      for (const v1::Registry& r : *all) *response.add_registries() = r;
      return PrintJson(context.io.out, response), 0;
    }
    PrintRegistries(context, *all);
    return 0;
  }
  if (verb == "update") {
    v1::Registry registry;
    registry.set_name(target);
    registry.set_etag(context.args.Option("etag").value_or(""));
    auto paths = ApplyFieldOptions(context, registry);
    if (!paths.ok()) return Usage(context, std::string(paths.status().message()));
    if (paths->empty()) return Usage(context, "registries update needs at least one field option");
    auto updated = client->registries->Update(registry, *paths);
    if (!updated.ok()) return ReportError(context.io.err, updated.status());
    PrintRegistry(context, *updated);
    return 0;
  }
  if (verb == "delete") {
    absl::Status deleted =
        client->registries->Delete(target, context.args.Option("etag").value_or(""));
    if (!deleted.ok()) return ReportError(context.io.err, deleted);
    if (!context.json_output) context.io.out << "deleted " << target << "\n";
    return 0;
  }
  if (verb == "events") {
    int page_size = 0;
    auto size = context.args.Option("page-size");
    if (size && (!absl::SimpleAtoi(*size, &page_size) || page_size < 0)) {
      return Usage(context, "--page-size must be a non-negative number");
    }
    auto page = client->registries->ListEvents(target, page_size,
                                               context.args.Option("page-token").value_or(""));
    if (!page.ok()) return ReportError(context.io.err, page.status());
    if (context.json_output) return PrintJson(context.io.out, *page), 0;
    PrintEvents(context, *page);
    return 0;
  }
  return Usage(context, absl::StrCat("unknown verb registries ", verb));
}

int RunPresetsCommand(CommandContext& context) {
  auto client = context.connect();
  if (!client.ok()) return ReportError(context.io.err, client.status());
  auto presets = client->registries->ListPresets();
  if (!presets.ok()) return ReportError(context.io.err, presets.status());
  if (context.json_output) return PrintJson(context.io.out, *presets), 0;
  std::vector<std::vector<std::string>> rows;
  for (const v1::Preset& preset : presets->presets()) {
    std::vector<std::string> types;
    for (int type : preset.credential_types()) {
      types.push_back(CredentialTypeLabel(static_cast<v1::CredentialType>(type)));
    }
    rows.push_back({preset.id(), preset.display_name(), preset.server(), absl::StrJoin(types, ","),
                    preset.default_username().empty() ? "-" : preset.default_username()});
  }
  PrintTable(context.io.out, {"ID", "DISPLAY NAME", "SERVER", "TYPES", "DEFAULT USERNAME"}, rows);
  return 0;
}

}  // namespace registry::ctl
