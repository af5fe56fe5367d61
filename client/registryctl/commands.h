// Internal to registryctl: the command groups and what they share.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "client/admin_client.h"
#include "client/credential_client.h"
#include "client/registry_client.h"
#include "client/registryctl/args.h"
#include "client/registryctl/registryctl.h"

namespace registry::ctl {

// Clients of one connection.
struct Clients {
  std::unique_ptr<client::RegistryClient> registries;
  std::unique_ptr<client::CredentialClient> credentials;
  std::unique_ptr<client::AdminClient> admin;
};

// What a command gets: its arguments (after the group and verb), streams, output format and a
// way to connect (only commands that talk to the server call it).
struct CommandContext {
  Io& io;
  Args args;
  bool json_output = false;
  std::function<absl::StatusOr<Clients>()> connect;
};

// `registries create|get|list|update|delete` and `presets`. Returns the exit code.
int RunRegistriesCommand(const std::string& verb, CommandContext& context);
int RunPresetsCommand(CommandContext& context);
// `resolve --owner OWNER [--push] [--registry NAME] [--explain] [--docker-config] IMAGE...`.
int RunResolveCommand(CommandContext& context);
// `admin rotate-key|rewrap`. Returns the exit code.
int RunAdminCommand(const std::string& verb, CommandContext& context);
// `dev keygen|token|master-key`. Returns the exit code.
int RunDevCommand(const std::string& verb, CommandContext& context);

// Prints `status` as `registryctl: <CODE>: <message>` and returns 1.
int ReportError(std::ostream& err, const absl::Status& status);

}  // namespace registry::ctl
