#include "client/credential_client.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"

namespace registry::client {

CredentialClient::CredentialClient(std::unique_ptr<v1::CredentialService::StubInterface> stub,
                                   ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

absl::StatusOr<v1::ResolveCredentialsResponse> CredentialClient::Resolve(
    const ResolveOptions& options) {
  v1::ResolveCredentialsRequest request;
  request.set_owner(options.owner);
  for (const std::string& image : options.images) request.add_images(image);
  request.set_action(options.action);
  request.set_registry(options.registry);
  request.set_explain(options.explain);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(options_.timeout));
  if (!options_.token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  }
  v1::ResolveCredentialsResponse response;
  grpc::Status status = stub_->ResolveCredentials(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace registry::client
