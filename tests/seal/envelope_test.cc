// Tests for the sealed value format (envelope.h), SecureBytes and the Keyring serialization.
#include "server/seal/envelope.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/seal/keyring.h"
#include "server/seal/secure_bytes.h"

namespace registry::seal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kKey = "r/users/alice/reg1";
constexpr std::string_view kSecret = "hunter2-super-secret-token";

TEST(SecureBytesTest, RandomCopyMoveAndCompare) {
  SecureBytes a = SecureBytes::Random(32);
  ASSERT_EQ(a.size(), 32u);
  SecureBytes b = SecureBytes::CopyOf(a.view());
  EXPECT_TRUE(a.SameBytes(b));
  EXPECT_FALSE(a.SameBytes(SecureBytes::Random(32)));
  SecureBytes moved = std::move(a);
  EXPECT_EQ(moved.size(), 32u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty.
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_TRUE(moved.SameBytes(b));
  moved = SecureBytes(4);
  EXPECT_EQ(moved.view(), std::string(4, '\0'));
  EXPECT_TRUE(SecureBytes().empty());
}

TEST(SecureBytesTest, WipeStringZeroesAndClears) {
  std::string s = "secret";
  WipeString(s);
  EXPECT_TRUE(s.empty());
}

TEST(EnvelopeTest, RoundTrip) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  const std::string sealed = SealValue(key, 7, kKey, kSecret);
  EXPECT_EQ(sealed.size(), kEnvelopeOverhead + kSecret.size());
  EXPECT_EQ(sealed[0], 1);
  EXPECT_THAT(sealed, Not(HasSubstr(std::string(kSecret))));
  EXPECT_EQ(PeekTerm(sealed).value_or(0), 7u);
  absl::StatusOr<std::string> opened = OpenValue(key, kKey, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kSecret);
}

TEST(EnvelopeTest, OpenValueSecureRoundTripAndFailures) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  const std::string sealed = SealValue(key, 3, kKey, kSecret);
  absl::StatusOr<SecureBytes> opened = OpenValueSecure(key, kKey, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->view(), kSecret);

  absl::StatusOr<SecureBytes> empty = OpenValueSecure(key, kKey, SealValue(key, 3, kKey, ""));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());

  std::string tampered = sealed;
  tampered.back() ^= 1;
  absl::StatusOr<SecureBytes> bad = OpenValueSecure(key, kKey, tampered);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bad.status().message(), Not(HasSubstr(std::string(kSecret))));
  EXPECT_EQ(OpenValueSecure(SecureBytes::Random(kEnvelopeKeySize), kKey, sealed).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(OpenValueSecure(key, "r/other", sealed).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(OpenValueSecure(key, kKey, sealed.substr(0, 10)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(EnvelopeTest, TermIsBigEndian) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  const std::string sealed = SealValue(key, 0x01020304, kKey, "x");
  EXPECT_EQ(sealed.substr(1, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(PeekTerm(sealed).value_or(0), 0x01020304u);
}

TEST(EnvelopeTest, EmptyAndBinaryPlaintexts) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  for (const std::string& plain :
       {std::string(), std::string("\0\xff\0", 3), std::string(1 << 16, 'z')}) {
    absl::StatusOr<std::string> opened = OpenValue(key, kKey, SealValue(key, 1, kKey, plain));
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plain);
  }
}

TEST(EnvelopeTest, SealingTwiceUsesFreshNonces) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  EXPECT_NE(SealValue(key, 1, kKey, kSecret), SealValue(key, 1, kKey, kSecret));
}

void ExpectFailsToOpen(const absl::StatusOr<std::string>& opened) {
  ASSERT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("failed to open"));
  EXPECT_THAT(opened.status().message(), HasSubstr(std::string(kKey)));
  EXPECT_THAT(opened.status().message(), Not(HasSubstr(std::string(kSecret))));
}

TEST(EnvelopeTest, TamperingWithAnyByteFailsToOpen) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  const std::string sealed = SealValue(key, 3, kKey, kSecret);
  for (size_t i = 0; i < sealed.size(); ++i) {
    SCOPED_TRACE(i);
    std::string tampered = sealed;
    tampered[i] ^= 0x01;
    ExpectFailsToOpen(OpenValue(key, kKey, tampered));
  }
}

TEST(EnvelopeTest, ValueMovedToAnotherKeyFailsToOpen) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  const std::string sealed = SealValue(key, 1, "r/users/bob/reg1", kSecret);
  ExpectFailsToOpen(OpenValue(key, kKey, sealed));
}

TEST(EnvelopeTest, WrongKeyFailsToOpen) {
  const std::string sealed = SealValue(SecureBytes::Random(kEnvelopeKeySize), 1, kKey, kSecret);
  ExpectFailsToOpen(OpenValue(SecureBytes::Random(kEnvelopeKeySize), kKey, sealed));
}

TEST(EnvelopeTest, TruncatedOrGarbageIsDataLoss) {
  SecureBytes key = SecureBytes::Random(kEnvelopeKeySize);
  const std::string sealed = SealValue(key, 1, kKey, kSecret);
  for (size_t len = 0; len < sealed.size(); ++len) {
    SCOPED_TRACE(len);
    ExpectFailsToOpen(OpenValue(key, kKey, sealed.substr(0, len)));
  }
  ExpectFailsToOpen(OpenValue(key, kKey, std::string(100, '\xff')));
  ExpectFailsToOpen(OpenValue(key, kKey, std::string(100, '\x01')));
  EXPECT_EQ(PeekTerm("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(PeekTerm(std::string(100, '\x02')).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(PeekTerm(sealed.substr(0, kEnvelopeOverhead - 1)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(KeyringTest, InitialNewTermAndFind) {
  Keyring keyring = Keyring::CreateInitial();
  EXPECT_EQ(keyring.CurrentTerm(), 1u);
  ASSERT_NE(keyring.Find(1), nullptr);
  EXPECT_EQ(keyring.Find(0), nullptr);
  EXPECT_EQ(keyring.Find(2), nullptr);
  absl::StatusOr<uint32_t> term = keyring.NewTerm();
  ASSERT_TRUE(term.ok()) << term.status();
  EXPECT_EQ(*term, 2u);
  EXPECT_EQ(keyring.CurrentTerm(), 2u);
  EXPECT_TRUE(keyring.Current().SameBytes(*keyring.Find(2)));
  EXPECT_FALSE(keyring.Find(1)->SameBytes(*keyring.Find(2)));
}

TEST(KeyringTest, SerializeParseRoundTrip) {
  Keyring keyring = Keyring::CreateInitial();
  ASSERT_TRUE(keyring.NewTerm().ok());
  ASSERT_TRUE(keyring.Add(10, SecureBytes::Random(kDataKeySize)).ok());
  SecureBytes bytes = keyring.Serialize();
  EXPECT_EQ(bytes.size(), 5u + 3 * 36);
  absl::StatusOr<Keyring> parsed = Keyring::Parse(bytes.view());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size(), 3u);
  EXPECT_EQ(parsed->CurrentTerm(), 10u);
  for (uint32_t term : {1u, 2u, 10u}) {
    ASSERT_NE(parsed->Find(term), nullptr);
    EXPECT_TRUE(parsed->Find(term)->SameBytes(*keyring.Find(term)));
  }
  Keyring clone = parsed->Clone();
  EXPECT_TRUE(clone.Find(2)->SameBytes(*keyring.Find(2)));
}

TEST(KeyringTest, AddRejectsBadInput) {
  Keyring keyring = Keyring::CreateInitial();
  EXPECT_EQ(keyring.Add(0, SecureBytes::Random(32)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keyring.Add(1, SecureBytes::Random(32)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keyring.Add(5, SecureBytes::Random(31)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeyringTest, ParseRejectsMalformed) {
  Keyring keyring = Keyring::CreateInitial();
  ASSERT_TRUE(keyring.NewTerm().ok());
  const std::string good(keyring.Serialize().view());
  std::string bad_version = good;
  bad_version[0] = 9;
  std::string descending = good;
  std::swap(descending[8], descending[8 + 36]);  // Swap the low bytes of terms 1 and 2.
  for (const std::string& bytes :
       {std::string(), std::string("\x01", 1), good.substr(0, good.size() - 1), good + "x",
        bad_version, descending, std::string("\x01\0\0\0\0", 5)}) {
    EXPECT_EQ(Keyring::Parse(bytes).status().code(), absl::StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace registry::seal
