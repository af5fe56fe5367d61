#include "client/registry_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace registry::client {

RegistryClient::RegistryClient(std::unique_ptr<v1::RegistryService::StubInterface> stub,
                               ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

std::unique_ptr<grpc::ClientContext> RegistryClient::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoNanoseconds(options_.timeout));
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  }
  return context;
}

absl::StatusOr<v1::Registry> RegistryClient::Create(const std::string& parent,
                                                    const std::string& registry_id,
                                                    const v1::Registry& registry) {
  v1::CreateRegistryRequest request;
  request.set_parent(parent);
  request.set_registry_id(registry_id);
  *request.mutable_registry() = registry;
  v1::Registry response;
  auto context = NewContext();
  grpc::Status status = stub_->CreateRegistry(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::Registry> RegistryClient::Get(const std::string& name) {
  v1::GetRegistryRequest request;
  request.set_name(name);
  v1::Registry response;
  auto context = NewContext();
  grpc::Status status = stub_->GetRegistry(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ListRegistriesResponse> RegistryClient::List(const std::string& parent,
                                                                int page_size,
                                                                const std::string& page_token) {
  v1::ListRegistriesRequest request;
  request.set_parent(parent);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  v1::ListRegistriesResponse response;
  auto context = NewContext();
  grpc::Status status = stub_->ListRegistries(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<std::vector<v1::Registry>> RegistryClient::ListAll(const std::string& parent) {
  std::vector<v1::Registry> all;
  std::string token;
  do {
    absl::StatusOr<v1::ListRegistriesResponse> page = List(parent, 0, token);
    if (!page.ok()) return page.status();
    for (v1::Registry& registry : *page->mutable_registries()) all.push_back(std::move(registry));
    token = page->next_page_token();
  } while (!token.empty());
  return all;
}

absl::StatusOr<v1::Registry> RegistryClient::Update(const v1::Registry& registry,
                                                    const std::vector<std::string>& mask_paths) {
  v1::UpdateRegistryRequest request;
  *request.mutable_registry() = registry;
  for (const std::string& path : mask_paths) request.mutable_update_mask()->add_paths(path);
  v1::Registry response;
  auto context = NewContext();
  grpc::Status status = stub_->UpdateRegistry(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::Status RegistryClient::Delete(const std::string& name, const std::string& etag) {
  v1::DeleteRegistryRequest request;
  request.set_name(name);
  request.set_etag(etag);
  google::protobuf::Empty response;
  auto context = NewContext();
  return FromGrpcStatus(stub_->DeleteRegistry(context.get(), request, &response));
}

absl::StatusOr<v1::ListPresetsResponse> RegistryClient::ListPresets() {
  v1::ListPresetsResponse response;
  auto context = NewContext();
  grpc::Status status = stub_->ListPresets(context.get(), v1::ListPresetsRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ListRegistryEventsResponse> RegistryClient::ListEvents(
    const std::string& registry, int page_size, const std::string& page_token) {
  v1::ListRegistryEventsRequest request;
  request.set_parent(registry);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  v1::ListRegistryEventsResponse response;
  auto context = NewContext();
  grpc::Status status = stub_->ListRegistryEvents(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

std::shared_ptr<grpc::Channel> CreateInsecureChannel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    std::string fields;
    for (const google::protobuf::Any& any : details.details()) {
      google::rpc::BadRequest bad_request;
      if (!any.UnpackTo(&bad_request)) continue;
      for (const auto& violation : bad_request.field_violations()) {
        absl::StrAppend(&fields, fields.empty() ? "" : "; ", violation.field(), ": ",
                        violation.description());
      }
    }
    if (!fields.empty() && message.find(fields) == std::string::npos) {
      absl::StrAppend(&message, " (", fields, ")");
    }
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), message);
}

}  // namespace registry::client
