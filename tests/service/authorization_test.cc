// The authorization table: who may read and write which owner's registries.
#include "server/service/authorization.h"

#include <gtest/gtest.h>

namespace registry::service {
namespace {

auth::Principal Caller(std::string subject, std::initializer_list<std::string> scopes) {
  auth::Principal principal;
  principal.subject = std::move(subject);
  principal.scopes.insert(scopes.begin(), scopes.end());
  return principal;
}

const core::OwnerName kAlice{core::OwnerName::Kind::kUser, "alice"};
const core::OwnerName kDevs{core::OwnerName::Kind::kGroup, "devs"};

auth::Principal Member(std::string subject, std::initializer_list<std::string> scopes,
                       std::vector<std::string> groups) {
  auth::Principal principal = Caller(std::move(subject), scopes);
  principal.groups = std::move(groups);
  return principal;
}

TEST(AuthorizationTest, GroupTable) {
  struct Case {
    auth::Principal caller;
    bool may_read;
    bool may_write;
  };
  const Case cases[] = {
      {Member("carol", {"registry.read", "registry.write"}, {"devs"}), true, true},
      {Member("carol", {"registry.read"}, {"ops", "devs"}), true, false},
      {Member("carol", {"registry.read", "registry.write"}, {"ops"}), false, false},
      {Member("carol", {"registry.read", "registry.write"}, {"Devs"}), false, false},
      {Member("devs", {"registry.read", "registry.write"}, {}), false, false},  // Not a user tree.
      {Member("carol", {"credentials.resolve"}, {"devs"}), false, false},
      {Member("ops", {"registry.admin"}, {}), true, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.caller.subject);
    EXPECT_EQ(AuthorizeRead(c.caller, kDevs).ok(), c.may_read);
    EXPECT_EQ(AuthorizeWrite(c.caller, kDevs).ok(), c.may_write);
  }
  // Group membership never opens a user tree named like the group.
  EXPECT_FALSE(AuthorizeRead(Member("carol", {"registry.read"}, {"alice"}), kAlice).ok());
}

TEST(AuthorizationTest, Table) {
  struct Case {
    auth::Principal caller;
    bool may_read;
    bool may_write;
  };
  const Case cases[] = {
      {Caller("alice", {"registry.read"}), true, false},
      {Caller("alice", {"registry.write"}), false, true},
      {Caller("alice", {"registry.read", "registry.write"}), true, true},
      {Caller("bob", {"registry.read", "registry.write"}), false, false},
      {Caller("ops", {"registry.admin"}), true, false},
      {Caller("alice", {"credentials.resolve"}), false, false},
      {Caller("alice", {}), false, false},
      {Caller("", {"registry.read", "registry.write"}), false, false},
      {Caller("ALICE", {"registry.read", "registry.write"}), false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.caller.subject);
    EXPECT_EQ(AuthorizeRead(c.caller, kAlice).ok(), c.may_read);
    EXPECT_EQ(AuthorizeWrite(c.caller, kAlice).ok(), c.may_write);
    if (!c.may_read) {
      EXPECT_EQ(AuthorizeRead(c.caller, kAlice).code(), absl::StatusCode::kPermissionDenied);
    }
  }
}

}  // namespace
}  // namespace registry::service
