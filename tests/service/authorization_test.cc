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
