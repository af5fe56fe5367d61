// `registryctl resolve`: which registry and credentials pull or push images for an owner.
// The table never shows secrets; `--output json` and `--docker-config` print them (that is what
// they are for), so use them only where the output is protected.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "client/registryctl/commands.h"
#include "client/registryctl/output.h"

namespace registry::ctl {
namespace {

int Usage(CommandContext& context, const std::string& message) {
  context.io.err << "registryctl: " << message << " (see registryctl --help)\n";
  return 2;
}

void PrintResolution(CommandContext& context, const v1::ResolveCredentialsResponse& response) {
  std::vector<std::vector<std::string>> rows;
  for (const v1::ResolvedCredential& credential : response.credentials()) {
    rows.push_back({credential.image(), credential.reference(),
                    credential.registry().empty() ? "-" : credential.registry(),
                    credential.server(), credential.anonymous() ? "-" : credential.username(),
                    credential.anonymous() ? "anonymous" : "credentials"});
  }
  PrintTable(context.io.out, {"IMAGE", "REFERENCE", "REGISTRY", "SERVER", "USERNAME", "AUTH"},
             rows);
  for (const v1::ResolvedCredential& credential : response.credentials()) {
    if (credential.explanation().empty()) continue;
    context.io.out << "\n" << credential.image() << ":\n";
    for (const v1::MatchExplanation& step : credential.explanation()) {
      context.io.out << "  "
                     << (step.chosen()    ? "* "
                         : step.matched() ? "+ "
                                          : "- ")
                     << step.registry() << " (" << step.server() << "): " << step.reason() << "\n";
    }
  }
}

}  // namespace

int RunResolveCommand(CommandContext& context) {
  client::ResolveOptions options;
  options.owner = context.args.Option("owner").value_or("");
  if (options.owner.empty()) return Usage(context, "resolve needs --owner users/USER");
  options.images = context.args.positionals;
  if (options.images.empty()) return Usage(context, "resolve needs at least one IMAGE");
  options.action = context.args.Switch("push") ? v1::ACTION_PUSH : v1::ACTION_PULL;
  options.registry = context.args.Option("registry").value_or("");
  options.explain = context.args.Switch("explain");

  auto clients = context.connect();
  if (!clients.ok()) return ReportError(context.io.err, clients.status());
  auto response = clients->credentials->Resolve(options);
  if (!response.ok()) return ReportError(context.io.err, response.status());
  if (context.args.Switch("docker-config")) {
    context.io.out << response->docker_config_json() << "\n";
  } else if (context.json_output) {
    PrintJson(context.io.out, *response);
  } else {
    PrintResolution(context, *response);
  }
  return 0;
}

}  // namespace registry::ctl
