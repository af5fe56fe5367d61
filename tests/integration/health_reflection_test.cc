// grpc.health.v1 reports SERVING once ready; reflection lists the service (grpcurl `list`).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::grpc::reflection::v1alpha::ServerReflection;
using ::grpc::reflection::v1alpha::ServerReflectionRequest;
using ::grpc::reflection::v1alpha::ServerReflectionResponse;

TEST(HealthTest, ServingWithoutAToken) {
  ServerHarness server;
  auto health = grpc::health::v1::Health::NewStub(server.channel());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

std::vector<std::string> ListServices(ServerHarness& server) {
  auto reflection = ServerReflection::NewStub(server.channel());
  grpc::ClientContext context;
  auto stream = reflection->ServerReflectionInfo(&context);
  ServerReflectionRequest request;
  request.set_list_services("*");
  std::vector<std::string> names;
  if (!stream->Write(request)) return names;
  stream->WritesDone();
  ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  stream->Finish();
  return names;
}

TEST(ReflectionTest, ListsTheRegistryService) {
  ServerHarness server;
  EXPECT_THAT(ListServices(server),
              ::testing::IsSupersetOf(
                  {"cloudmanager.registry.v1.RegistryService", "grpc.health.v1.Health"}));
}

TEST(ReflectionTest, CanBeTurnedOff) {
  ServerHarness server([](app::ServerConfig& config) { config.reflection = false; });
  EXPECT_THAT(ListServices(server), ::testing::IsEmpty());
}

}  // namespace
}  // namespace registry::testing
