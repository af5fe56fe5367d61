// RegistryClient over an injected (mock) stub: requests carry the token, deadline and fields;
// BadRequest details come back in the message.
#include "client/registry_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloudmanager/registry/v1/registry_service_mock.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace registry::client {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Return;

TEST(RegistryClientTest, CreateSendsTokenAndFields) {
  auto stub = std::make_unique<::testing::StrictMock<v1::MockRegistryServiceStub>>();
  EXPECT_CALL(*stub, CreateRegistry(_, _, _))
      .WillOnce(Invoke([](grpc::ClientContext* context, const v1::CreateRegistryRequest& request,
                          v1::Registry* response) {
        EXPECT_EQ(request.parent(), "users/alice");
        EXPECT_EQ(request.registry_id(), "quay");
        EXPECT_EQ(request.registry().server(), "quay.io");
        EXPECT_GT(context->deadline(), std::chrono::system_clock::now());
        response->set_name("users/alice/registries/quay");
        return grpc::Status::OK;
      }));
  RegistryClient client(std::move(stub), {.token = "tok"});
  v1::Registry registry;
  registry.set_server("quay.io");
  auto created = client.Create("users/alice", "quay", registry);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->name(), "users/alice/registries/quay");
}

TEST(RegistryClientTest, ListAllFollowsPageTokens) {
  auto stub = std::make_unique<::testing::StrictMock<v1::MockRegistryServiceStub>>();
  EXPECT_CALL(*stub, ListRegistries(_, _, _))
      .WillOnce(Invoke([](auto*, const v1::ListRegistriesRequest& request,
                          v1::ListRegistriesResponse* response) {
        EXPECT_EQ(request.page_token(), "");
        response->add_registries()->set_name("a");
        response->set_next_page_token("next");
        return grpc::Status::OK;
      }))
      .WillOnce(Invoke([](auto*, const v1::ListRegistriesRequest& request,
                          v1::ListRegistriesResponse* response) {
        EXPECT_EQ(request.page_token(), "next");
        response->add_registries()->set_name("b");
        return grpc::Status::OK;
      }));
  RegistryClient client(std::move(stub), {});
  auto all = client.ListAll("users/alice");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].name(), "b");
}

TEST(RegistryClientTest, BadRequestViolationsAreInTheMessage) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("registry.server");
  violation->set_description("must not have a query");
  google::rpc::Status details;
  details.set_code(3);
  details.set_message("invalid request");
  details.add_details()->PackFrom(bad_request);
  auto stub = std::make_unique<::testing::StrictMock<v1::MockRegistryServiceStub>>();
  EXPECT_CALL(*stub, GetRegistry(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid request",
                                    details.SerializeAsString())));
  RegistryClient client(std::move(stub), {});
  auto got = client.Get("users/alice/registries/x");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(got.status().message(), HasSubstr("registry.server: must not have a query"));
}

}  // namespace
}  // namespace registry::client
