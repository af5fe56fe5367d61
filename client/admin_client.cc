#include "client/admin_client.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"

namespace registry::client {
namespace {

void Prepare(grpc::ClientContext& context, const ClientOptions& options) {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(options.timeout));
  if (!options.token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options.token));
  }
}

}  // namespace

AdminClient::AdminClient(std::unique_ptr<v1::AdminService::StubInterface> stub,
                         ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

absl::StatusOr<v1::RotateDataKeyResponse> AdminClient::RotateDataKey() {
  grpc::ClientContext context;
  Prepare(context, options_);
  v1::RotateDataKeyResponse response;
  grpc::Status status = stub_->RotateDataKey(&context, {}, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::CreateBackupResponse> AdminClient::CreateBackup() {
  grpc::ClientContext context;
  Prepare(context, options_);
  v1::CreateBackupResponse response;
  grpc::Status status = stub_->CreateBackup(&context, {}, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::RewrapSecretsResponse> AdminClient::RewrapSecrets(
    int batch_size, const std::string& page_token) {
  grpc::ClientContext context;
  Prepare(context, options_);
  v1::RewrapSecretsRequest request;
  request.set_batch_size(batch_size);
  request.set_page_token(page_token);
  v1::RewrapSecretsResponse response;
  grpc::Status status = stub_->RewrapSecrets(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::RewrapSecretsResponse> AdminClient::RewrapAll(
    int batch_size, const std::function<void(const v1::RewrapSecretsResponse&)>& progress) {
  std::string token;
  while (true) {
    absl::StatusOr<v1::RewrapSecretsResponse> batch = RewrapSecrets(batch_size, token);
    if (!batch.ok()) return batch.status();
    if (progress) progress(*batch);
    if (batch->done()) return batch;
    token = batch->next_page_token();
  }
}

}  // namespace registry::client
