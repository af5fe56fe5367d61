// Tests for EncodePageToken / DecodePageToken.
#include "server/core/page_token.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/field_violation.h"

namespace registry::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::MatchesRegex;

void ExpectBadToken(std::string_view token, std::string_view why) {
  absl::StatusOr<PageToken> decoded = DecodePageToken(token);
  ASSERT_FALSE(decoded.ok()) << why;
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << why;
  EXPECT_THAT(ViolationsOf(decoded.status()),
              ElementsAre(Field(&FieldViolation::field, "page_token")))
      << why;
}

TEST(PageTokenTest, RoundTrip) {
  const PageToken cases[] = {
      {"users/alice", "ghcr"},
      {"users/alice", ""},
      {"users/" + std::string(128, 'u'), std::string(63, 'r')},
      {"users/a.b@c_d-e", "a-b-1"},
  };
  for (const PageToken& token : cases) {
    const std::string encoded = EncodePageToken(token);
    EXPECT_THAT(encoded, MatchesRegex("[A-Za-z0-9_-]+")) << encoded;
    absl::StatusOr<PageToken> decoded = DecodePageToken(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, token);
  }
}

TEST(PageTokenTest, Deterministic) {
  EXPECT_EQ(EncodePageToken({"users/alice", "ghcr"}), EncodePageToken({"users/alice", "ghcr"}));
  EXPECT_NE(EncodePageToken({"users/alice", "ghcr"}), EncodePageToken({"users/bob", "ghcr"}));
}

TEST(PageTokenTest, EveryBitFlipIsDetected) {
  const std::string token = EncodePageToken({"users/alice", "ghcr"});
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < token.size(); ++i) {
    for (const char* c = kAlphabet; *c; ++c) {
      if (*c == token[i]) continue;
      std::string tampered = token;
      tampered[i] = *c;
      ExpectBadToken(tampered, "position " + std::to_string(i) + " -> " + *c);
    }
  }
}

TEST(PageTokenTest, TruncationAndExtensionAreDetected) {
  const std::string token = EncodePageToken({"users/alice", "ghcr"});
  for (size_t len = 0; len < token.size(); ++len) {
    ExpectBadToken(token.substr(0, len), "truncated to " + std::to_string(len));
  }
  ExpectBadToken(token + "A", "extended");
  ExpectBadToken(token + "AAAA", "extended by 4");
}

TEST(PageTokenTest, Garbage) {
  const std::string cases[] = {
      "",
      "x",
      "not a token",
      "!!!!",
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "dXNlcnMvYWxpY2U=",  // padded standard base64
      "dXNlcnMvYWxpY2U",   // base64url but no checksum/framing
      std::string(2000, 'A'),
  };
  for (const std::string& token : cases) ExpectBadToken(token, token.substr(0, 40));
}

TEST(PageTokenTest, ForgedInvalidRegistryIdRejected) {
  // A token with a well-formed checksum but an invalid id is refused too.
  ExpectBadToken(EncodePageToken({"users/alice", "Not/Valid"}), "invalid id");
}

}  // namespace
}  // namespace registry::core
