// registryctl entry point: real streams, real environment, real gRPC channel.
#include <cstdlib>
#include <iostream>

#include "client/registry_client.h"
#include "client/registryctl/registryctl.h"

int main(int argc, char** argv) {
  registry::ctl::Io io{std::cin, std::cout, std::cerr, [](const char* name) {
                         return static_cast<const char*>(std::getenv(name));
                       }};
  return registry::ctl::RunRegistryctl(
      std::vector<std::string>(argv + 1, argv + argc), io,
      [](const registry::ctl::Connection& connection) {
        auto channel = registry::ctl::CreateChannel(connection);
        return registry::ctl::Stubs{registry::ctl::v1::RegistryService::NewStub(channel),
                                    registry::ctl::v1::CredentialService::NewStub(channel),
                                    registry::ctl::v1::AdminService::NewStub(channel)};
      });
}
