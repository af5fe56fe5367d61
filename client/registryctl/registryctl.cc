#include "client/registryctl/registryctl.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/registryctl/commands.h"

namespace registry::ctl {
namespace {

constexpr char kUsage[] =
    R"(usage: registryctl [--addr HOST:PORT] [--token TOKEN | --token-file FILE]
                   [--output table|json] [--timeout SECONDS] COMMAND ...

commands:
  registries create PARENT --display-name NAME --server URL --type TYPE [--id ID]
                    [--username USER] [--email EMAIL] [--secret-file FILE|-] [--thumbnail-uri URI]
  registries get NAME
  registries list PARENT [--page-size N] [--page-token TOKEN]
  registries update NAME [--etag ETAG] [--display-name ..] [--server ..] [--type ..]
                    [--username ..] [--email ..] [--secret-file FILE|-] [--thumbnail-uri ..]
  registries delete NAME [--etag ETAG]
  registries events NAME [--page-size N] [--page-token TOKEN]
  presets
  resolve --owner users/USER [--push] [--registry NAME] [--explain] [--docker-config] IMAGE...
  admin rotate-key
  admin rewrap [--batch-size N]
  admin backup
  dev keygen --key-out FILE --jwks-out FILE [--kid KID]
  dev token --key FILE --sub SUBJECT --scope "SCOPE ..." [--group G] [--ttl SECONDS]
            [--issuer ISS] [--audience AUD] [--kid KID]
  dev master-key

TYPE is none, username-password, oauth2-token or json-token. Secrets are read from
--secret-file (or stdin with -), never from the command line. The token comes from --token,
--token-file or env REGISTRYCTL_TOKEN; the address from --addr or env REGISTRYCTL_ADDR
(default 127.0.0.1:50051). --ca-file (env REGISTRYCTL_CA_FILE) switches to TLS; add
--cert-file/--key-file (REGISTRYCTL_CERT_FILE/REGISTRYCTL_KEY_FILE) for mTLS.
)";

const std::set<std::string>& SwitchNames() {
  static const auto* names = new std::set<std::string>{"help", "push", "explain", "docker-config"};
  return *names;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::StatusOr<std::string> ReadToken(const Args& args, const Io& io) {
  if (auto token = args.Option("token")) return *token;
  if (auto file = args.Option("token-file")) {
    std::ifstream in(*file);
    if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", *file));
    std::stringstream contents;
    contents << in.rdbuf();
    return std::string(absl::StripAsciiWhitespace(contents.str()));
  }
  if (const char* env = io.getenv("REGISTRYCTL_TOKEN")) return std::string(env);
  return std::string();
}

}  // namespace

int ReportError(std::ostream& err, const absl::Status& status) {
  err << "registryctl: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
      << "\n";
  return 1;
}

int RunRegistryctl(const std::vector<std::string>& argv, Io io, const StubFactory& stubs) {
  absl::StatusOr<Args> parsed = ParseArgs(argv, SwitchNames());
  if (!parsed.ok()) {
    io.err << "registryctl: " << parsed.status().message() << "\n" << kUsage;
    return 2;
  }
  Args args = *std::move(parsed);
  if (args.Switch("help") || args.positionals.empty()) {
    (args.Switch("help") ? io.out : io.err) << kUsage;
    return args.Switch("help") ? 0 : 2;
  }

  CommandContext context{.io = io};
  std::string output = args.Option("output").value_or("table");
  if (output != "table" && output != "json") {
    io.err << "registryctl: --output must be table or json\n";
    return 2;
  }
  context.json_output = output == "json";
  std::string address = args.Option("addr").value_or(
      io.getenv("REGISTRYCTL_ADDR") != nullptr ? io.getenv("REGISTRYCTL_ADDR") : "127.0.0.1:50051");
  int timeout_seconds = 10;
  if (auto timeout = args.Option("timeout")) {
    if (!absl::SimpleAtoi(*timeout, &timeout_seconds) || timeout_seconds <= 0) {
      io.err << "registryctl: --timeout must be a positive number of seconds\n";
      return 2;
    }
  }
  context.connect = [&io, &stubs, global_args = args, address,
                     timeout_seconds]() -> absl::StatusOr<Clients> {
    absl::StatusOr<std::string> token = ReadToken(global_args, io);
    if (!token.ok()) return token.status();
    Connection connection{.address = address};
    for (auto [option, env, pem] :
         {std::tuple{"ca-file", "REGISTRYCTL_CA_FILE", &connection.tls_ca_pem},
          std::tuple{"cert-file", "REGISTRYCTL_CERT_FILE", &connection.tls_cert_pem},
          std::tuple{"key-file", "REGISTRYCTL_KEY_FILE", &connection.tls_key_pem}}) {
      std::optional<std::string> path = global_args.Option(option);
      if (!path && io.getenv(env) != nullptr) path = io.getenv(env);
      if (!path) continue;
      absl::StatusOr<std::string> contents = ReadWholeFile(*path);
      if (!contents.ok()) return contents.status();
      *pem = *std::move(contents);
    }
    if (connection.tls_ca_pem.empty() && !connection.tls_cert_pem.empty()) {
      return absl::InvalidArgumentError("--cert-file needs --ca-file (TLS)");
    }
    const client::ClientOptions options{.token = *token, .timeout = absl::Seconds(timeout_seconds)};
    Stubs connected = stubs(connection);
    return Clients{
        std::make_unique<client::RegistryClient>(std::move(connected.registries), options),
        std::make_unique<client::CredentialClient>(std::move(connected.credentials), options),
        std::make_unique<client::AdminClient>(std::move(connected.admin), options)};
  };

  const std::string group = args.positionals[0];
  const std::string verb = args.positionals.size() > 1 ? args.positionals[1] : "";
  for (const char* global :
       {"addr", "token", "token-file", "output", "timeout", "ca-file", "cert-file", "key-file"}) {
    args.options.erase(global);
  }
  context.args = args;
  context.args.positionals.erase(
      context.args.positionals.begin(),
      context.args.positionals.begin() +
          std::min<size_t>(group == "presets" || group == "resolve" ? 1 : 2,
                           context.args.positionals.size()));
  if (group == "registries") return RunRegistriesCommand(verb, context);
  if (group == "presets") return RunPresetsCommand(context);
  if (group == "resolve") return RunResolveCommand(context);
  if (group == "dev") return RunDevCommand(verb, context);
  if (group == "admin") return RunAdminCommand(verb, context);
  io.err << "registryctl: unknown command " << group << "\n" << kUsage;
  return 2;
}

std::shared_ptr<grpc::Channel> CreateChannel(const Connection& connection) {
  if (connection.tls_ca_pem.empty()) return client::CreateInsecureChannel(connection.address);
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = connection.tls_ca_pem;
  options.pem_cert_chain = connection.tls_cert_pem;
  options.pem_private_key = connection.tls_key_pem;
  return grpc::CreateChannel(connection.address, grpc::SslCredentials(options));
}

}  // namespace registry::ctl
