// The authorization matrix: every RPC × every kind of caller, against a user's tree and a
// group's tree, through the real server. Each cell names the expected gRPC code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using Code = grpc::StatusCode;
constexpr Code OK = Code::OK;
constexpr Code UA = Code::UNAUTHENTICATED;
constexpr Code PD = Code::PERMISSION_DENIED;

enum Rpc { kCreate, kGet, kList, kUpdate, kDelete, kPresets, kEvents, kResolve, kRotate, kRewrap };
constexpr const char* kRpcNames[] = {"CreateRegistry",     "GetRegistry",        "ListRegistries",
                                     "UpdateRegistry",     "DeleteRegistry",     "ListPresets",
                                     "ListRegistryEvents", "ResolveCredentials", "RotateDataKey",
                                     "RewrapSecrets"};

struct Row {
  const char* caller;
  Code user_tree[10];   // Against users/alice/...
  Code group_tree[10];  // Against groups/devs/...
};

// clang-format off
//                         Create Get List Update Delete Presets Events Resolve Rotate Rewrap
const Row kMatrix[] = {
    {"no token",       {UA, UA, UA, UA, UA, UA, UA, UA, UA, UA}, {UA, UA, UA, UA, UA, UA, UA, UA, UA, UA}},
    {"expired",        {UA, UA, UA, UA, UA, UA, UA, UA, UA, UA}, {UA, UA, UA, UA, UA, UA, UA, UA, UA, UA}},
    {"wrong audience", {UA, UA, UA, UA, UA, UA, UA, UA, UA, UA}, {UA, UA, UA, UA, UA, UA, UA, UA, UA, UA}},
    {"wrong scope",    {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}, {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}},
    {"other user",     {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}, {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}},
    {"other group",    {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}, {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}},
    {"member",         {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}, {OK, OK, OK, OK, OK, OK, OK, PD, PD, PD}},
    {"owner",          {OK, OK, OK, OK, OK, OK, OK, PD, PD, PD}, {PD, PD, PD, PD, PD, OK, PD, PD, PD, PD}},
    {"admin",          {PD, OK, OK, PD, PD, OK, OK, PD, OK, OK}, {PD, OK, OK, PD, PD, OK, OK, PD, OK, OK}},
    {"resolver",       {PD, PD, PD, PD, PD, OK, PD, OK, PD, PD}, {PD, PD, PD, PD, PD, OK, PD, OK, PD, PD}},
};
// clang-format on

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  AuthorizationMatrixTest() {
    tokens_["no token"] = "";
    tokens_["expired"] = server_.Token("alice", "registry.read registry.write", absl::Minutes(-10));
    devtoken::TokenClaims wrong_audience = Claims("alice", {"registry.read", "registry.write"}, {});
    wrong_audience.audience = "another-service";
    tokens_["wrong audience"] = server_.Token(wrong_audience);
    tokens_["wrong scope"] = server_.Token(Claims("alice", {"openid", "profile"}, {"devs"}));
    tokens_["other user"] = server_.Token(Claims("bob", {"registry.read", "registry.write"}, {}));
    tokens_["other group"] =
        server_.Token(Claims("carol", {"registry.read", "registry.write"}, {"ops"}));
    tokens_["member"] =
        server_.Token(Claims("dave", {"registry.read", "registry.write"}, {"devs"}));
    tokens_["owner"] = server_.Token(Claims("alice", {"registry.read", "registry.write"}, {}));
    tokens_["admin"] = server_.Token(Claims("operator", {"registry.admin"}, {}));
    tokens_["resolver"] = server_.Token(Claims("deployer", {"credentials.resolve"}, {}));
  }

  devtoken::TokenClaims Claims(std::string subject, std::vector<std::string> scopes,
                               std::vector<std::string> groups) {
    devtoken::TokenClaims claims;
    claims.issuer = kIssuer;
    claims.audience = kAudience;
    claims.subject = std::move(subject);
    claims.scopes = std::move(scopes);
    claims.groups = std::move(groups);
    claims.issued_at = absl::Now();
    return claims;
  }

  // Makes sure `owner`/registries/target exists (created by someone allowed to).
  void EnsureTarget(const std::string& owner) {
    v1::CreateRegistryRequest request;
    request.set_parent(owner);
    request.set_registry_id("target");
    request.mutable_registry()->set_display_name("target");
    request.mutable_registry()->set_server("ghcr.io");
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
    request.mutable_registry()->set_username("u");
    request.mutable_registry()->set_password("p");
    v1::Registry response;
    const std::string& creator = owner == "users/alice" ? tokens_["owner"] : tokens_["member"];
    grpc::Status status =
        registries_->CreateRegistry(AuthContext(creator).get(), request, &response);
    ASSERT_TRUE(status.ok() || status.error_code() == Code::ALREADY_EXISTS)
        << status.error_message();
  }

  Code Call(Rpc rpc, const std::string& token, const std::string& owner) {
    const std::string target = owner + "/registries/target";
    auto context = AuthContext(token);
    switch (rpc) {
      case kCreate: {
        v1::CreateRegistryRequest request;
        request.set_parent(owner);
        request.mutable_registry()->set_display_name("new");
        request.mutable_registry()->set_server("quay.io");
        request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
        v1::Registry response;
        return registries_->CreateRegistry(context.get(), request, &response).error_code();
      }
      case kGet: {
        v1::GetRegistryRequest request;
        request.set_name(target);
        v1::Registry response;
        return registries_->GetRegistry(context.get(), request, &response).error_code();
      }
      case kList: {
        v1::ListRegistriesRequest request;
        request.set_parent(owner);
        v1::ListRegistriesResponse response;
        return registries_->ListRegistries(context.get(), request, &response).error_code();
      }
      case kUpdate: {
        v1::UpdateRegistryRequest request;
        request.mutable_registry()->set_name(target);
        request.mutable_registry()->set_display_name("renamed");
        request.mutable_update_mask()->add_paths("display_name");
        v1::Registry response;
        return registries_->UpdateRegistry(context.get(), request, &response).error_code();
      }
      case kDelete: {
        v1::DeleteRegistryRequest request;
        request.set_name(target);
        google::protobuf::Empty response;
        return registries_->DeleteRegistry(context.get(), request, &response).error_code();
      }
      case kPresets: {
        v1::ListPresetsResponse response;
        return registries_->ListPresets(context.get(), {}, &response).error_code();
      }
      case kEvents: {
        v1::ListRegistryEventsRequest request;
        request.set_parent(target);
        v1::ListRegistryEventsResponse response;
        return registries_->ListRegistryEvents(context.get(), request, &response).error_code();
      }
      case kResolve: {
        v1::ResolveCredentialsRequest request;
        request.set_owner(owner);
        request.add_images("ghcr.io/x/y");
        request.set_action(v1::ACTION_PULL);
        v1::ResolveCredentialsResponse response;
        return credentials_->ResolveCredentials(context.get(), request, &response).error_code();
      }
      case kRotate: {
        v1::RotateDataKeyResponse response;
        return admin_->RotateDataKey(context.get(), {}, &response).error_code();
      }
      case kRewrap: {
        v1::RewrapSecretsRequest request;
        request.set_batch_size(10);
        v1::RewrapSecretsResponse response;
        return admin_->RewrapSecrets(context.get(), request, &response).error_code();
      }
    }
    return Code::UNKNOWN;
  }

  ServerHarness server_;
  std::unique_ptr<v1::RegistryService::Stub> registries_ = server_.RegistryStub();
  std::unique_ptr<v1::CredentialService::Stub> credentials_ =
      v1::CredentialService::NewStub(server_.channel());
  std::unique_ptr<v1::AdminService::Stub> admin_ = v1::AdminService::NewStub(server_.channel());
  std::map<std::string, std::string> tokens_;
};

TEST_F(AuthorizationMatrixTest, EveryCellHasItsExpectedCode) {
  for (const Row& row : kMatrix) {
    for (const std::string owner : {"users/alice", "groups/devs"}) {
      const Code* expected = owner == "users/alice" ? row.user_tree : row.group_tree;
      for (int rpc = kCreate; rpc <= kRewrap; ++rpc) {
        EnsureTarget(owner);
        EXPECT_EQ(Call(static_cast<Rpc>(rpc), tokens_[row.caller], owner), expected[rpc])
            << row.caller << " × " << kRpcNames[rpc] << " on " << owner;
      }
    }
  }
}

}  // namespace
}  // namespace registry::testing
