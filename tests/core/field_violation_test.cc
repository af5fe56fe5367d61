// Tests for InvalidArgumentError / ViolationsOf.
#include "server/core/field_violation.h"

#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FieldViolationTest, RoundTripKeepsOrderAndText) {
  const std::vector<FieldViolation> in = {{"registry.server", "is required"},
                                          {"registry.display_name", "must not be blank"}};
  const absl::Status status = InvalidArgumentError(in);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid request: registry.server: is required; registry.display_name: must not be "
            "blank");
  EXPECT_EQ(ViolationsOf(status), in);
}

TEST(FieldViolationTest, PayloadIsSerializedBadRequest) {
  const absl::Status status = InvalidArgumentError({{"parent", "is required"}});
  auto payload =
      status.GetPayload(absl::string_view(kBadRequestTypeUrl.data(), kBadRequestTypeUrl.size()));
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "parent");
  EXPECT_EQ(bad_request.field_violations(0).description(), "is required");
}

TEST(FieldViolationTest, NoPayloadMeansNoViolations) {
  EXPECT_THAT(ViolationsOf(absl::OkStatus()), IsEmpty());
  EXPECT_THAT(ViolationsOf(absl::InvalidArgumentError("plain")), IsEmpty());
  absl::Status garbage = absl::InvalidArgumentError("x");
  garbage.SetPayload(absl::string_view(kBadRequestTypeUrl.data(), kBadRequestTypeUrl.size()),
                     absl::Cord("\xff\xff\xff"));
  EXPECT_THAT(ViolationsOf(garbage), IsEmpty());
}

TEST(FieldViolationTest, EmptyListStillInvalidArgument) {
  const absl::Status status = InvalidArgumentError({});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "invalid request");
  EXPECT_THAT(ViolationsOf(status), IsEmpty());
}

TEST(FieldViolationTest, SingleViolation) {
  EXPECT_THAT(ViolationsOf(InvalidArgumentError({{"a", "b"}})),
              ElementsAre(FieldViolation{"a", "b"}));
}

}  // namespace
}  // namespace registry::core
