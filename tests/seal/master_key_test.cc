// Tests for master key file parsing and loading (master_key.h).
#include "server/seal/master_key.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::seal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// base64 of the 32 bytes 0x00..0x1f, with and without padding.
constexpr char kKeyA[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr char kKeyANoPad[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
// base64 of 32 bytes of 0xff.
constexpr char kKeyB[] = "//////////////////////////////////////////8=";

std::string KeyABytes() {
  std::string s;
  for (int i = 0; i < 32; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(ParseMasterKeysTest, OneLine) {
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(std::string(kKeyA) + "\n");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->keys.size(), 1u);
  EXPECT_EQ(keys->keys[0].view(), KeyABytes());
}

TEST(ParseMasterKeysTest, WithoutPaddingOrFinalNewline) {
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(kKeyANoPad);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->keys[0].view(), KeyABytes());
}

TEST(ParseMasterKeysTest, TwoLinesKeepOrder) {
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(std::string(kKeyB) + "\n" + kKeyA + "\n");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->keys.size(), 2u);
  EXPECT_EQ(keys->keys[0].view(), std::string(32, '\xff'));
  EXPECT_EQ(keys->keys[1].view(), KeyABytes());
}

TEST(ParseMasterKeysTest, CommentsBlankLinesWhitespaceAndCrlf) {
  const std::string file = "# registryd master keys\r\n\r\n   \n" + std::string(kKeyB) +
                           "  \t\r\n# older:\n" + kKeyA + "\r\n\n";
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(file);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->keys.size(), 2u);
  EXPECT_EQ(keys->keys[1].view(), KeyABytes());
}

struct BadCase {
  std::string name;
  std::string file;
  std::string bad_line;  // Must never appear in the message.
  std::string want_in_message;
};

TEST(ParseMasterKeysTest, RejectsBadFilesWithoutEchoingThem) {
  const std::string short_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==";  // 31 bytes.
  const std::string long_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g";   // 33 bytes.
  const std::string not_base64 = "this is not base64 at all!!";
  const std::string url_safe =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-_8=";  // URL-safe alphabet.
  const std::vector<BadCase> cases = {
      {"short", short_key + "\n", short_key, "line 1: decodes to 31 bytes, want 32"},
      {"long", std::string(kKeyA) + "\n" + long_key + "\n", long_key, "line 2: decodes to 33"},
      {"garbage", "# c\n\n" + not_base64 + "\n", not_base64, "line 3: not valid base64"},
      {"url_safe", url_safe, url_safe, "line 1: not valid base64"},
      {"inner_space", "AAECAwQFBgcICQoLDA0ODxAR EhMUFRYXGBkaGxwdHh8=", "EhMUFRYXGBkaGxwdHh8",
       "line 1: not valid base64"},
      {"empty", "", "", "holds no key"},
      {"comments_only", "# just a comment\n\n", "just a comment", "holds no key"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<MasterKeys> keys = ParseMasterKeys(c.file);
    ASSERT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument) << keys.status();
    EXPECT_THAT(keys.status().message(), HasSubstr(c.want_in_message));
    if (!c.bad_line.empty()) {
      EXPECT_THAT(keys.status().message(), Not(HasSubstr(c.bad_line)));
    }
  }
}

TEST(GenerateMasterKeyLineTest, ParsesToAFreshKey) {
  const std::string a = GenerateMasterKeyLine();
  const std::string b = GenerateMasterKeyLine();
  EXPECT_EQ(a.size(), 44u);
  EXPECT_NE(a, b);
  absl::StatusOr<MasterKeys> keys = ParseMasterKeys(a + "\n" + b);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->keys.size(), 2u);
  EXPECT_EQ(keys->keys[0].size(), kMasterKeySize);
}

class LoadMasterKeyFileTest : public ::testing::Test {
 protected:
  LoadMasterKeyFileTest() {
    std::string templ =
        (std::filesystem::path(::testing::TempDir()) / "master_key_XXXXXX").string();
    dir_ = ::mkdtemp(templ.data());
  }
  ~LoadMasterKeyFileTest() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& contents) {
    const std::string path = dir_ + "/master.key";
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::string dir_;
};

TEST_F(LoadMasterKeyFileTest, Good) {
  absl::StatusOr<MasterKeys> keys = LoadMasterKeyFile(Write(std::string(kKeyA) + "\n"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->keys[0].view(), KeyABytes());
}

TEST_F(LoadMasterKeyFileTest, MissingIsFailedPrecondition) {
  const std::string path = dir_ + "/nope.key";
  absl::StatusOr<MasterKeys> keys = LoadMasterKeyFile(path);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(keys.status().message(),
            "cannot read master key file " + path + ": No such file or directory");
}

TEST_F(LoadMasterKeyFileTest, EmptyIsInvalidArgument) {
  const std::string path = Write("");
  absl::StatusOr<MasterKeys> keys = LoadMasterKeyFile(path);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.status().message(), "master key file " + path + " holds no key");
}

TEST_F(LoadMasterKeyFileTest, BadLineNamesFileAndLine) {
  const std::string path = Write("# header\nnot-base64!\n");
  absl::StatusOr<MasterKeys> keys = LoadMasterKeyFile(path);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.status().message(), "master key file " + path + " line 2: not valid base64");
}

TEST_F(LoadMasterKeyFileTest, DirectoryIsFailedPrecondition) {
  EXPECT_EQ(LoadMasterKeyFile(dir_).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace registry::seal
