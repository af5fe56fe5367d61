// Malformed requests end to end (issue 5, "Bad input"): a table of bad requests across every RPC,
// each with its exact gRPC code and exact google.rpc.BadRequest field paths; afterwards the server
// is healthy and nothing the failing rows sent was written. Also: requests larger than
// --max-request-bytes are refused before any work, and unknown fields are ignored (proto3).
#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "cloudmanager/registry/v1/admin_service.grpc.pb.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kRegistryService[] = "/cloudmanager.registry.v1.RegistryService/";
constexpr char kCredentialService[] = "/cloudmanager.registry.v1.CredentialService/";
constexpr char kAdminService[] = "/cloudmanager.registry.v1.AdminService/";

// ---- hand-built wire format ----

std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

// A length-delimited field (wire type 2).
std::string LengthDelimited(int field, const std::string& bytes) {
  return Varint((static_cast<uint64_t>(field) << 3) | 2) + Varint(bytes.size()) + bytes;
}

// A varint field (wire type 0).
std::string VarintField(int field, uint64_t value) {
  return Varint(static_cast<uint64_t>(field) << 3) + Varint(value);
}

// Bytes that are not UTF-8: a lone continuation byte, a truncated sequence, an overlong `/`.
const std::string kInvalidUtf8 = std::string("ab\x80") + "c\xC3" + "(\xC0\xAF";

// One unary call with raw request bytes through grpc::GenericStub; `response` gets the raw reply.
grpc::Status RawUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::string& request_bytes, const std::string& token,
                      std::string* response_bytes = nullptr) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::ClientContext> context = AuthContext(token);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(context.get(), method, request, &queue);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(queue.Next(&tag, &ok));
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (response_bytes != nullptr && status.ok()) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    response_bytes->clear();
    for (const grpc::Slice& s : slices) {
      response_bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

// The unknown fields of `message`, to add some.
google::protobuf::UnknownFieldSet* Unknown(google::protobuf::Message& message) {
  return message.GetReflection()->MutableUnknownFields(&message);
}

// ---- request building blocks ----

v1::Registry ValidRegistry() {
  v1::Registry registry;
  registry.set_display_name("Valid");
  registry.set_server("registry.example.com");
  registry.set_credential_type(v1::CREDENTIAL_TYPE_USERNAME_PASSWORD);
  registry.set_username("user");
  registry.set_password("valid-secret");
  return registry;
}

// `n` code points of `unit`.
std::string Repeat(const std::string& unit, size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// A valid data:image/png URI of at least `size` characters.
std::string DataUriOfSize(size_t size) {
  const std::string prefix = "data:image/png;base64,";
  const size_t payload = (size - prefix.size() + 3) / 4 * 4;
  return prefix + std::string(payload, 'A');
}

// Flips one character in the middle of a token to another character of the same alphabet.
std::string BitFlipped(std::string token) {
  char& c = token[token.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  return token;
}

struct Row {
  std::string description;
  std::function<grpc::Status()> call;
  grpc::StatusCode code;
  std::vector<std::string> fields;
};

class MalformedRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The valid setup: three registries of alice, two of bob, one update each on two of alice's
    // registries (so their audit trails page), and a RewrapSecrets resume token.
    ASSERT_TRUE(CreateValid(alice_, "users/alice", "base").ok());
    ASSERT_TRUE(CreateValid(alice_, "users/alice", "second", v1::CREDENTIAL_TYPE_NONE).ok());
    ASSERT_TRUE(CreateValid(alice_, "users/alice", "third", v1::CREDENTIAL_TYPE_NONE).ok());
    ASSERT_TRUE(CreateValid(bob_, "users/bob", "bobreg").ok());
    ASSERT_TRUE(CreateValid(bob_, "users/bob", "bobreg2").ok());
    for (const std::string name :
         {"users/alice/registries/base", "users/alice/registries/second"}) {
      v1::UpdateRegistryRequest request;
      request.mutable_registry()->set_name(name);
      request.mutable_registry()->set_display_name("Renamed");
      request.mutable_update_mask()->add_paths("display_name");
      v1::Registry response;
      ASSERT_TRUE(stub_->UpdateRegistry(AuthContext(alice_).get(), request, &response).ok());
    }

    v1::ListRegistriesResponse list;
    ASSERT_TRUE(List("users/alice", 2, "", &list).ok());
    alice_list_token_ = list.next_page_token();
    ASSERT_TRUE(List("users/bob", 2, "", &list, bob_).ok());
    bob_list_token_ = list.next_page_token();
    v1::ListRegistryEventsResponse events;
    ASSERT_TRUE(Events("users/alice/registries/base", 1, "", &events).ok());
    base_events_token_ = events.next_page_token();
    ASSERT_TRUE(Events("users/alice/registries/second", 1, "", &events).ok());
    second_events_token_ = events.next_page_token();
    v1::RewrapSecretsRequest rewrap;
    rewrap.set_batch_size(1);
    v1::RewrapSecretsResponse rewrapped;
    ASSERT_TRUE(admin_stub_->RewrapSecrets(AuthContext(admin_).get(), rewrap, &rewrapped).ok());
    rewrap_token_ = rewrapped.next_page_token();
    for (const std::string* token : {&alice_list_token_, &bob_list_token_, &base_events_token_,
                                     &second_events_token_, &rewrap_token_}) {
      ASSERT_THAT(*token, Not(IsEmpty()));
    }

    base_before_ = GetOk("users/alice/registries/base");
  }

  // ---- one helper per RPC; each starts from a valid request that `edit` spoils ----

  grpc::Status CreateValid(const std::string& token, const std::string& parent,
                           const std::string& id,
                           v1::CredentialType type = v1::CREDENTIAL_TYPE_USERNAME_PASSWORD) {
    v1::CreateRegistryRequest request;
    request.set_parent(parent);
    request.set_registry_id(id);
    *request.mutable_registry() = ValidRegistry();
    if (type == v1::CREDENTIAL_TYPE_NONE) {
      request.mutable_registry()->set_credential_type(type);
      request.mutable_registry()->clear_username();
      request.mutable_registry()->clear_password();
    }
    v1::Registry response;
    return stub_->CreateRegistry(AuthContext(token).get(), request, &response);
  }

  grpc::Status Create(const std::function<void(v1::CreateRegistryRequest&)>& edit) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id("fresh");
    *request.mutable_registry() = ValidRegistry();
    edit(request);
    v1::Registry response;
    return stub_->CreateRegistry(AuthContext(alice_).get(), request, &response);
  }

  grpc::Status CreateWith(const std::function<void(v1::Registry&)>& edit) {
    return Create([&](v1::CreateRegistryRequest& r) { edit(*r.mutable_registry()); });
  }

  grpc::Status Get(const std::string& name) {
    v1::GetRegistryRequest request;
    request.set_name(name);
    v1::Registry response;
    return stub_->GetRegistry(AuthContext(alice_).get(), request, &response);
  }

  v1::Registry GetOk(const std::string& name) {
    v1::GetRegistryRequest request;
    request.set_name(name);
    v1::Registry response;
    grpc::Status status = stub_->GetRegistry(AuthContext(alice_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return response;
  }

  grpc::Status List(const std::string& parent, int page_size, const std::string& page_token,
                    v1::ListRegistriesResponse* out = nullptr, const std::string& token = "") {
    v1::ListRegistriesRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::ListRegistriesResponse response;
    grpc::Status status = stub_->ListRegistries(AuthContext(token.empty() ? alice_ : token).get(),
                                                request, out ? out : &response);
    return status;
  }

  // Updates users/alice/registries/base with the fields set by `edit` and the mask `paths`.
  grpc::Status Update(const std::vector<std::string>& paths,
                      const std::function<void(v1::Registry&)>& edit = nullptr,
                      const std::string& name = "users/alice/registries/base") {
    v1::UpdateRegistryRequest request;
    request.mutable_registry()->set_name(name);
    if (edit) edit(*request.mutable_registry());
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    v1::Registry response;
    return stub_->UpdateRegistry(AuthContext(alice_).get(), request, &response);
  }

  grpc::Status Delete(const std::string& name, const std::string& etag = "") {
    v1::DeleteRegistryRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty response;
    return stub_->DeleteRegistry(AuthContext(alice_).get(), request, &response);
  }

  grpc::Status Events(const std::string& parent, int page_size, const std::string& page_token,
                      v1::ListRegistryEventsResponse* out = nullptr) {
    v1::ListRegistryEventsRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::ListRegistryEventsResponse response;
    return stub_->ListRegistryEvents(AuthContext(alice_).get(), request, out ? out : &response);
  }

  grpc::Status Resolve(const std::function<void(v1::ResolveCredentialsRequest&)>& edit) {
    v1::ResolveCredentialsRequest request;
    request.set_owner("users/alice");
    request.add_images("registry.example.com/team/app:1.0");
    request.set_action(v1::ACTION_PULL);
    edit(request);
    v1::ResolveCredentialsResponse response;
    return credentials_->ResolveCredentials(AuthContext(resolver_).get(), request, &response);
  }

  grpc::Status Rewrap(int batch_size, const std::string& page_token) {
    v1::RewrapSecretsRequest request;
    request.set_batch_size(batch_size);
    request.set_page_token(page_token);
    v1::RewrapSecretsResponse response;
    return admin_stub_->RewrapSecrets(AuthContext(admin_).get(), request, &response);
  }

  // A CreateRegistryRequest for users/alice whose registry has `display_name` as raw bytes.
  std::string CreateBytesWithDisplayName(const std::string& display_name, const std::string& id) {
    v1::Registry registry = ValidRegistry();
    registry.clear_display_name();
    const std::string registry_bytes =
        registry.SerializeAsString() + LengthDelimited(2, display_name);
    return LengthDelimited(1, "users/alice") + LengthDelimited(2, id) +
           LengthDelimited(3, registry_bytes);
  }

  std::vector<Row> Table();

  ServerHarness server_;
  std::unique_ptr<v1::RegistryService::Stub> stub_ = server_.RegistryStub();
  std::unique_ptr<v1::CredentialService::Stub> credentials_ =
      v1::CredentialService::NewStub(server_.channel());
  std::unique_ptr<v1::AdminService::Stub> admin_stub_ =
      v1::AdminService::NewStub(server_.channel());
  const std::string alice_ = server_.UserToken("alice");
  const std::string bob_ = server_.UserToken("bob");
  const std::string resolver_ = server_.Token("deployer", "credentials.resolve");
  const std::string admin_ = server_.Token("operator", "registry.admin");
  std::string alice_list_token_;
  std::string bob_list_token_;
  std::string base_events_token_;
  std::string second_events_token_;
  std::string rewrap_token_;
  v1::Registry base_before_;
};

std::vector<Row> MalformedRequestsTest::Table() {
  constexpr auto kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
  const std::string long_user(129, 'u');
  const std::string long_id(64, 'r');
  const std::string nul_name("users/alice/registries/ba\0se", 28);
  const std::string secret_too_long((64 << 10) + 1, 's');
  const std::string json_too_long = "{\"k\":\"" + std::string(64 << 10, 'j') + "\"}";
  std::vector<Row> rows;
  auto add = [&rows](std::string description, std::function<grpc::Status()> call,
                     grpc::StatusCode code, std::vector<std::string> fields = {}) {
    rows.push_back({std::move(description), std::move(call), code, std::move(fields)});
  };
  auto bad_create = [&](std::string description, std::function<void(v1::Registry&)> edit,
                        std::vector<std::string> fields) {
    add(
        "CreateRegistry: " + description, [this, edit] { return CreateWith(edit); }, kInvalid,
        std::move(fields));
  };
  auto bad_parent = [&](std::string description, std::string parent) {
    add("CreateRegistry: parent " + description,
        [this, parent] { return Create([&](auto& r) { r.set_parent(parent); }); }, kInvalid,
        {"parent"});
  };
  auto bad_id = [&](std::string description, std::string id) {
    add("CreateRegistry: registry_id " + description,
        [this, id] { return Create([&](auto& r) { r.set_registry_id(id); }); }, kInvalid,
        {"registry_id"});
  };

  // ---- CreateRegistry: parent and registry_id ----
  bad_parent("empty", "");
  bad_parent("without an id", "users/");
  bad_parent("of an unknown collection", "projects/alice");
  bad_parent("with a 129-character user id", "users/" + long_user);
  bad_parent("with a trailing slash", "users/alice/");
  bad_parent("`..`", "users/..");
  bad_parent("with an extra segment", "users/alice/registries");
  bad_parent("with a newline", "users/ali\nce");
  bad_parent("with NUL", std::string("users/ali\0ce", 12));
  bad_id("of 64 characters", long_id);
  bad_id("with uppercase", "Upper");
  bad_id("starting with a digit", "1abc");
  bad_id("ending with `-`", "trail-");
  bad_id("with a slash", "a/b");
  bad_id("`..`", "..");
  bad_id("with a tab", "ab\tc");
  add("CreateRegistry: registry missing",
      [this] { return Create([](auto& r) { r.clear_registry(); }); }, kInvalid, {"registry"});
  add(
      "CreateRegistry: duplicate registry_id",
      [this] { return Create([](auto& r) { r.set_registry_id("base"); }); },
      grpc::StatusCode::ALREADY_EXISTS);

  // ---- CreateRegistry: display_name ----
  bad_create("display_name empty", [](v1::Registry& r) { r.clear_display_name(); },
             {"registry.display_name"});
  bad_create("display_name of 257 code points",
             [](v1::Registry& r) { r.set_display_name(Repeat("\xC3\xA9", 257)); },
             {"registry.display_name"});
  bad_create("display_name with a newline", [](v1::Registry& r) { r.set_display_name("a\nb"); },
             {"registry.display_name"});
  bad_create("display_name with a tab", [](v1::Registry& r) { r.set_display_name("a\tb"); },
             {"registry.display_name"});
  bad_create("display_name with DEL", [](v1::Registry& r) { r.set_display_name("a\x7f"); },
             {"registry.display_name"});
  bad_create("display_name with NUL",
             [](v1::Registry& r) { r.set_display_name(std::string("a\0b", 3)); },
             {"registry.display_name"});
  bad_create("display_name with a C1 control",
             [](v1::Registry& r) { r.set_display_name("a\xC2\x85"); }, {"registry.display_name"});
  bad_create("display_name blank", [](v1::Registry& r) { r.set_display_name(" \xE3\x80\x80 "); },
             {"registry.display_name"});

  // ---- CreateRegistry: server ----
  auto bad_server = [&](std::string description, std::string server) {
    bad_create("server " + description, [server](v1::Registry& r) { r.set_server(server); },
               {"registry.server"});
  };
  bad_server("empty", "");
  bad_server("of 2049 characters", "registry.example.com/" + std::string(2049 - 21, 'p'));
  bad_server("with user-info", "user:pw@ghcr.io");
  bad_server("with a query", "ghcr.io/team?tag=1");
  bad_server("with a query on the host", "ghcr.io?x=1");
  bad_server("with a fragment", "ghcr.io/team#frag");
  bad_server("with port 0", "ghcr.io:0");
  bad_server("with port 65536", "ghcr.io:65536");
  bad_server("with a non-numeric port", "ghcr.io:https");
  bad_server("with an empty port", "ghcr.io:");
  bad_server("with an ftp scheme", "ftp://ghcr.io");
  bad_server("with a space", "ghcr .io");
  bad_server("with a newline", "ghcr.io\n");
  bad_server("with an uppercase path", "ghcr.io/Team");
  bad_server("with `..` as a path segment", "ghcr.io/../team");
  bad_server("with an empty host label", "ghcr..io");

  // ---- CreateRegistry: credential type and credentials ----
  bad_create("credential_type unspecified",
             [](v1::Registry& r) { r.set_credential_type(v1::CREDENTIAL_TYPE_UNSPECIFIED); },
             {"registry.credential_type"});
  bad_create("credential_type 99",
             [](v1::Registry& r) { r.set_credential_type(static_cast<v1::CredentialType>(99)); },
             {"registry.credential_type"});
  bad_create("credential_type -1",
             [](v1::Registry& r) { r.set_credential_type(static_cast<v1::CredentialType>(-1)); },
             {"registry.credential_type"});
  bad_create("username with a newline", [](v1::Registry& r) { r.set_username("us\ner"); },
             {"registry.username"});
  bad_create("username with a tab", [](v1::Registry& r) { r.set_username("us\ter"); },
             {"registry.username"});
  bad_create("username with DEL", [](v1::Registry& r) { r.set_username("user\x7f"); },
             {"registry.username"});
  bad_create("username with NUL", [](v1::Registry& r) { r.set_username(std::string("us\0er", 6)); },
             {"registry.username"});
  bad_create("username with `:`", [](v1::Registry& r) { r.set_username("us:er"); },
             {"registry.username"});
  bad_create("username of 257 characters",
             [](v1::Registry& r) { r.set_username(std::string(257, 'u')); }, {"registry.username"});
  bad_create("email with a newline", [](v1::Registry& r) { r.set_email("a@b.c\n"); },
             {"registry.email"});
  bad_create("email with a tab", [](v1::Registry& r) { r.set_email("a\t@b.c"); },
             {"registry.email"});
  bad_create("email with NUL", [](v1::Registry& r) { r.set_email(std::string("a@b\0c", 5)); },
             {"registry.email"});
  bad_create("email without `@`", [](v1::Registry& r) { r.set_email("user.example.com"); },
             {"registry.email"});
  bad_create("email with two `@`", [](v1::Registry& r) { r.set_email("a@b@example.com"); },
             {"registry.email"});
  bad_create("email of 255 characters",
             [](v1::Registry& r) { r.set_email(std::string(243, 'e') + "@example.com"); },
             {"registry.email"});
  bad_create("NONE with a username and a password",
             [](v1::Registry& r) { r.set_credential_type(v1::CREDENTIAL_TYPE_NONE); },
             {"registry.username", "registry.password"});
  bad_create("USERNAME_PASSWORD without a username", [](v1::Registry& r) { r.clear_username(); },
             {"registry.username"});
  bad_create("USERNAME_PASSWORD without a password", [](v1::Registry& r) { r.clear_password(); },
             {"registry.password"});
  bad_create("USERNAME_PASSWORD with an oauth2_token too",
             [](v1::Registry& r) { r.set_oauth2_token("tok"); }, {"registry.oauth2_token"});
  bad_create("USERNAME_PASSWORD with a json_token too",
             [](v1::Registry& r) { r.set_json_token("{}"); }, {"registry.json_token"});
  bad_create("OAUTH2_TOKEN with a password instead of a token",
             [](v1::Registry& r) { r.set_credential_type(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN); },
             {"registry.password", "registry.oauth2_token"});
  auto json_type = [](std::string json) {
    return [json](v1::Registry& r) {
      r.set_credential_type(v1::CREDENTIAL_TYPE_JSON_TOKEN);
      r.clear_password();
      r.set_json_token(json);
    };
  };
  bad_create("JSON_TOKEN without a json_token", json_type(""), {"registry.json_token"});
  bad_create("JSON_TOKEN that is an array", json_type("[1, 2]"), {"registry.json_token"});
  bad_create("JSON_TOKEN that is a string", json_type("\"key\""), {"registry.json_token"});
  bad_create("JSON_TOKEN that is not JSON", json_type("{\"type\": "), {"registry.json_token"});
  bad_create("password of 64 KiB + 1",
             [secret_too_long](v1::Registry& r) { r.set_password(secret_too_long); },
             {"registry.password"});
  bad_create("oauth2_token of 64 KiB + 1",
             [secret_too_long](v1::Registry& r) {
               r.set_credential_type(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN);
               r.clear_password();
               r.set_oauth2_token(secret_too_long);
             },
             {"registry.oauth2_token"});
  bad_create("json_token of 64 KiB + 1", json_type(json_too_long), {"registry.json_token"});

  // ---- CreateRegistry: thumbnail ----
  auto bad_thumbnail = [&](std::string description, std::string uri) {
    bad_create("thumbnail_uri " + description, [uri](v1::Registry& r) { r.set_thumbnail_uri(uri); },
               {"registry.thumbnail_uri"});
  };
  bad_thumbnail("data URI over 256 KiB", DataUriOfSize((256 << 10) + 1));
  bad_thumbnail("with media type text/html", "data:text/html;base64,PGI+aGk8L2I+");
  bad_thumbnail("with bad base64", "data:image/png;base64,!!!notbase64");
  bad_thumbnail("with unpadded base64", "data:image/png;base64,QUJD RA");
  bad_thumbnail("not base64 encoded", "data:image/png,rawbytes");
  bad_thumbnail("with an http URL", "http://example.com/logo.png");
  bad_thumbnail("with a javascript URL", "javascript:alert(1)");
  bad_thumbnail("with user-info", "https://user@example.com/logo.png");
  bad_thumbnail("with a newline", "https://example.com/lo\ngo.png");
  bad_create(
      "every bad field at once",
      [](v1::Registry& r) {
        r.clear_display_name();
        r.set_server("ghcr.io#x");
        r.set_email("nobody");
        r.set_thumbnail_uri("ftp://x");
      },
      {"registry.display_name", "registry.server", "registry.email", "registry.thumbnail_uri"});

  // ---- CreateRegistry: invalid UTF-8 (raw bytes; the normal stub would refuse to send them) ----
  add("CreateRegistry: parent with invalid UTF-8",
      [this] {
        v1::CreateRegistryRequest valid;
        valid.set_registry_id("utf8-parent");
        *valid.mutable_registry() = ValidRegistry();
        return RawUnary(server_.channel(), std::string(kRegistryService) + "CreateRegistry",
                        LengthDelimited(1, "users/al" + kInvalidUtf8) + valid.SerializeAsString(),
                        alice_);
      },
      kInvalid, {"parent"});
  add("CreateRegistry: display_name with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kRegistryService) + "CreateRegistry",
                        CreateBytesWithDisplayName(kInvalidUtf8, "utf8-display"), alice_);
      },
      kInvalid, {"registry.display_name"});

  // ---- GetRegistry ----
  auto bad_get = [&](std::string description, std::string name) {
    add("GetRegistry: name " + description, [this, name] { return Get(name); }, kInvalid, {"name"});
  };
  bad_get("empty", "");
  bad_get("of an owner", "users/alice");
  bad_get("without an id", "users/alice/registries/");
  bad_get("with a trailing slash", "users/alice/registries/base/");
  bad_get("with an extra segment", "users/alice/registries/base/extra");
  bad_get("with an extra owner segment", "users/alice/x/registries/base");
  bad_get("with `..` as owner", "users/../registries/base");
  bad_get("with `..` as id", "users/alice/registries/..");
  bad_get("with `..` in the middle", "users/alice/registries/../registries/base");
  bad_get("with uppercase", "users/alice/registries/Base");
  bad_get("with a 64-character id", "users/alice/registries/" + long_id);
  bad_get("with a 129-character user id", "users/" + long_user + "/registries/base");
  bad_get("with a newline", "users/alice/registries/ba\nse");
  bad_get("with NUL", nul_name);
  bad_get("with a leading slash", "/users/alice/registries/base");
  bad_get("of another global registry", "registries/quay");
  bad_get("global with a trailing slash", "registries/docker-hub/");
  add("GetRegistry: name with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kRegistryService) + "GetRegistry",
                        LengthDelimited(1, "users/alice/registries/" + kInvalidUtf8), alice_);
      },
      kInvalid, {"name"});
  add("GetRegistry: bytes that are not a message",
      [this] {
        // Field 1, length-delimited, claiming 100 bytes of which 3 follow.
        return RawUnary(server_.channel(), std::string(kRegistryService) + "GetRegistry",
                        std::string("\x0a\x64") + "abc", alice_);
      },
      kInvalid, {"request"});
  add(
      "GetRegistry: no such registry", [this] { return Get("users/alice/registries/missing"); },
      grpc::StatusCode::NOT_FOUND);

  // ---- ListRegistries ----
  auto bad_list = [&](std::string description, std::string parent, int page_size, std::string token,
                      std::string field) {
    add("ListRegistries: " + description,
        [this, parent, page_size, token] { return List(parent, page_size, token); }, kInvalid,
        {field});
  };
  bad_list("parent empty", "", 0, "", "parent");
  bad_list("parent of a registry", "users/alice/registries/base", 0, "", "parent");
  bad_list("parent with a trailing slash", "users/alice/", 0, "", "parent");
  bad_list("page_size -1", "users/alice", -1, "", "page_size");
  bad_list("page_size INT_MIN", "users/alice", INT_MIN, "", "page_size");
  bad_list("page_token garbage", "users/alice", 0, "garbage!", "page_token");
  bad_list("page_token bit-flipped", "users/alice", 0, BitFlipped(alice_list_token_), "page_token");
  bad_list("page_token truncated", "users/alice", 0,
           alice_list_token_.substr(0, alice_list_token_.size() - 4), "page_token");
  bad_list("page_token of another parent", "users/alice", 0, bob_list_token_, "page_token");
  bad_list("page_token of ListRegistryEvents", "users/alice", 0, base_events_token_, "page_token");
  bad_list("page_token of RewrapSecrets", "users/alice", 0, rewrap_token_, "page_token");
  bad_list("page_token of 2000 characters", "users/alice", 0, std::string(2000, 'A'), "page_token");
  add("ListRegistries: parent and page_token with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kRegistryService) + "ListRegistries",
                        LengthDelimited(1, "users/al" + kInvalidUtf8) +
                            LengthDelimited(3, "tok" + kInvalidUtf8),
                        alice_);
      },
      kInvalid, {"parent", "page_token"});
  add("ListRegistries: page_size and page_token both bad, both reported",
      [this] { return List("users/alice", -1, "garbage!"); }, kInvalid,
      {"page_size", "page_token"});

  // ---- UpdateRegistry (on users/alice/registries/base, USERNAME_PASSWORD) ----
  auto bad_mask = [&](std::string description, std::vector<std::string> paths, size_t count = 1) {
    add(
        "UpdateRegistry: update_mask " + description,
        [this, paths] {
          return Update(paths, [](v1::Registry& r) { r.set_display_name("Changed"); });
        },
        kInvalid, std::vector<std::string>(count, "update_mask"));
  };
  bad_mask("missing", {});
  bad_mask("with an unknown path", {"nonexistent"});
  bad_mask("with a prefixed path", {"registry.display_name"});
  bad_mask("with a sub-path", {"display_name.value"});
  bad_mask("with an empty path", {""});
  bad_mask("with `name`", {"name"});
  bad_mask("with `create_time`", {"create_time"});
  bad_mask("with `update_time`", {"update_time"});
  bad_mask("with `etag`", {"etag"});
  bad_mask("with `global`", {"global"});
  bad_mask("with `secret_set`", {"secret_set"});
  bad_mask("with `secret_update_time`", {"secret_update_time"});
  bad_mask("with `*` and another path", {"*", "display_name"});
  bad_mask("with `*` twice", {"*", "*"}, 2);
  bad_mask("with two immutable paths", {"name", "etag"}, 2);
  bad_mask("with a valid and an unknown path", {"display_name", "Display_Name"});
  // The mask is refused before any state check (README: INVALID_ARGUMENT before NOT_FOUND/ABORTED).
  add("UpdateRegistry: update_mask unknown path on a missing registry",
      [this] { return Update({"nonexistent"}, nullptr, "users/alice/registries/missing"); },
      kInvalid, {"update_mask"});
  add("UpdateRegistry: update_mask immutable path with a stale etag",
      [this] { return Update({"create_time"}, [](v1::Registry& r) { r.set_etag("stale-etag"); }); },
      kInvalid, {"update_mask"});
  auto bad_update = [&](std::string description, std::vector<std::string> paths,
                        std::function<void(v1::Registry&)> edit, std::vector<std::string> fields) {
    add(
        "UpdateRegistry: " + description, [this, paths, edit] { return Update(paths, edit); },
        kInvalid, std::move(fields));
  };
  bad_update("registry.name empty", {"display_name"}, [](v1::Registry& r) { r.clear_name(); },
             {"registry.name"});
  bad_update("registry.name with uppercase", {"display_name"},
             [](v1::Registry& r) { r.set_name("users/alice/registries/BASE"); }, {"registry.name"});
  bad_update("registry.name with an extra segment", {"display_name"},
             [](v1::Registry& r) { r.set_name("users/alice/registries/base/x"); },
             {"registry.name"});
  bad_update("display_name of 257 code points", {"display_name"},
             [](v1::Registry& r) { r.set_display_name(Repeat("\xE2\x82\xAC", 257)); },
             {"registry.display_name"});
  bad_update("display_name cleared", {"display_name"}, nullptr, {"registry.display_name"});
  bad_update("display_name with NUL", {"display_name"},
             [](v1::Registry& r) { r.set_display_name(std::string("x\0", 2)); },
             {"registry.display_name"});
  bad_update("server of 2049 characters", {"server"},
             [](v1::Registry& r) { r.set_server("ghcr.io/" + std::string(2041, 'p')); },
             {"registry.server"});
  bad_update("server with a bad port", {"server"},
             [](v1::Registry& r) { r.set_server("ghcr.io:99999"); }, {"registry.server"});
  bad_update("credential_type 99", {"credential_type"},
             [](v1::Registry& r) { r.set_credential_type(static_cast<v1::CredentialType>(99)); },
             {"registry.credential_type"});
  bad_update("credential_type NONE keeping the username", {"credential_type"},
             [](v1::Registry& r) { r.set_credential_type(v1::CREDENTIAL_TYPE_NONE); },
             {"registry.username"});
  bad_update("credential_type OAUTH2_TOKEN without a token", {"credential_type"},
             [](v1::Registry& r) { r.set_credential_type(v1::CREDENTIAL_TYPE_OAUTH2_TOKEN); },
             {"registry.oauth2_token"});
  bad_update("password cleared", {"password"}, nullptr, {"registry.password"});
  bad_update("password of 64 KiB + 1", {"password"},
             [secret_too_long](v1::Registry& r) { r.set_password(secret_too_long); },
             {"registry.password"});
  bad_update("json_token on USERNAME_PASSWORD", {"json_token"},
             [](v1::Registry& r) { r.set_json_token("{}"); }, {"registry.json_token"});
  bad_update("username with a tab", {"username"}, [](v1::Registry& r) { r.set_username("a\tb"); },
             {"registry.username"});
  bad_update("email with a newline", {"email"}, [](v1::Registry& r) { r.set_email("a@b.c\n"); },
             {"registry.email"});
  bad_update("thumbnail over 256 KiB", {"thumbnail_uri"},
             [](v1::Registry& r) { r.set_thumbnail_uri(DataUriOfSize((256 << 10) + 4)); },
             {"registry.thumbnail_uri"});
  bad_update("`*` with an empty registry", {"*"}, nullptr,
             {"registry.display_name", "registry.server", "registry.credential_type"});
  add("UpdateRegistry: display_name with invalid UTF-8",
      [this] {
        v1::Registry registry;
        registry.set_name("users/alice/registries/base");
        v1::UpdateRegistryRequest mask_only;
        mask_only.mutable_update_mask()->add_paths("display_name");
        return RawUnary(
            server_.channel(), std::string(kRegistryService) + "UpdateRegistry",
            LengthDelimited(1, registry.SerializeAsString() + LengthDelimited(2, kInvalidUtf8)) +
                mask_only.SerializeAsString(),
            alice_);
      },
      kInvalid, {"registry.display_name"});
  add("DeleteRegistry: name with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kRegistryService) + "DeleteRegistry",
                        LengthDelimited(1, "users/alice/registries/ba" + kInvalidUtf8), alice_);
      },
      kInvalid, {"name"});
  add(
      "UpdateRegistry: the global registry",
      [this] {
        return Update(
            {"display_name"}, [](v1::Registry& r) { r.set_display_name("Mine"); },
            "registries/docker-hub");
      },
      grpc::StatusCode::FAILED_PRECONDITION);
  add(
      "UpdateRegistry: no such registry",
      [this] {
        return Update(
            {"display_name"}, [](v1::Registry& r) { r.set_display_name("X"); },
            "users/alice/registries/missing");
      },
      grpc::StatusCode::NOT_FOUND);
  add(
      "UpdateRegistry: stale etag",
      [this] {
        return Update({"display_name"}, [](v1::Registry& r) {
          r.set_display_name("X");
          r.set_etag("stale-etag");
        });
      },
      grpc::StatusCode::ABORTED);

  // ---- DeleteRegistry ----
  auto bad_delete = [&](std::string description, std::string name) {
    add("DeleteRegistry: name " + description, [this, name] { return Delete(name); }, kInvalid,
        {"name"});
  };
  bad_delete("empty", "");
  bad_delete("of an owner", "users/alice");
  bad_delete("with a trailing slash", "users/alice/registries/base/");
  bad_delete("with an extra segment", "users/alice/registries/base/events");
  bad_delete("with `..`", "users/alice/registries/../../users/bob/registries/bobreg");
  bad_delete("with uppercase", "users/alice/registries/Base");
  bad_delete("with a 64-character id", "users/alice/registries/" + long_id);
  bad_delete("with NUL", nul_name);
  add(
      "DeleteRegistry: the global registry", [this] { return Delete("registries/docker-hub"); },
      grpc::StatusCode::FAILED_PRECONDITION);
  add(
      "DeleteRegistry: stale etag",
      [this] { return Delete("users/alice/registries/base", "stale-etag"); },
      grpc::StatusCode::ABORTED);
  add(
      "DeleteRegistry: no such registry",
      [this] { return Delete("users/alice/registries/missing"); }, grpc::StatusCode::NOT_FOUND);

  // ---- ListRegistryEvents ----
  auto bad_events = [&](std::string description, std::string parent, int page_size,
                        std::string token, std::string field) {
    add("ListRegistryEvents: " + description,
        [this, parent, page_size, token] { return Events(parent, page_size, token); }, kInvalid,
        {field});
  };
  const std::string base = "users/alice/registries/base";
  bad_events("parent empty", "", 0, "", "parent");
  bad_events("parent of an owner", "users/alice", 0, "", "parent");
  bad_events("parent with an extra segment", base + "/events", 0, "", "parent");
  bad_events("parent with a trailing slash", base + "/", 0, "", "parent");
  bad_events("parent with uppercase", "users/alice/registries/BASE", 0, "", "parent");
  bad_events("page_size -5", base, -5, "", "page_size");
  bad_events("page_token garbage", base, 0, "not-a-token", "page_token");
  bad_events("page_token bit-flipped", base, 0, BitFlipped(base_events_token_), "page_token");
  bad_events("page_token truncated", base, 0,
             base_events_token_.substr(0, base_events_token_.size() - 4), "page_token");
  bad_events("page_token of another registry", base, 0, second_events_token_, "page_token");
  bad_events("page_token of ListRegistries", base, 0, alice_list_token_, "page_token");
  bad_events("page_token of RewrapSecrets", base, 0, rewrap_token_, "page_token");
  add("ListRegistryEvents: parent with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kRegistryService) + "ListRegistryEvents",
                        LengthDelimited(1, "users/alice/registries/ba" + kInvalidUtf8), alice_);
      },
      kInvalid, {"parent"});
  add("ListRegistryEvents: page_size and page_token both bad, both reported",
      [this, base] { return Events(base, -1, second_events_token_); }, kInvalid,
      {"page_size", "page_token"});

  // ---- CredentialService.ResolveCredentials ----
  auto bad_resolve = [&](std::string description,
                         std::function<void(v1::ResolveCredentialsRequest&)> edit,
                         std::vector<std::string> fields) {
    add(
        "ResolveCredentials: " + description, [this, edit] { return Resolve(edit); }, kInvalid,
        std::move(fields));
  };
  auto images = [](std::vector<std::string> list) {
    return [list](v1::ResolveCredentialsRequest& r) {
      r.clear_images();
      for (const std::string& image : list) r.add_images(image);
    };
  };
  bad_resolve("owner empty", [](auto& r) { r.clear_owner(); }, {"owner"});
  bad_resolve("owner without the collection", [](auto& r) { r.set_owner("alice"); }, {"owner"});
  bad_resolve("owner with a 129-character id",
              [long_user](auto& r) { r.set_owner("users/" + long_user); }, {"owner"});
  bad_resolve("0 images", images({}), {"images"});
  bad_resolve("101 images", images(std::vector<std::string>(101, "nginx")), {"images"});
  bad_resolve("an uppercase image path", images({"nginx", "ghcr.io/Team/app"}), {"images[1]"});
  bad_resolve("a 64-hex image id", images({std::string(64, 'a')}), {"images[0]"});
  bad_resolve("a short sha256 digest", images({"nginx@sha256:abc"}), {"images[0]"});
  bad_resolve("an md5 digest", images({"nginx@md5:" + std::string(32, '0')}), {"images[0]"});
  bad_resolve("an empty image", images({"nginx", ""}), {"images[1]"});
  bad_resolve("an image with a newline", images({"ngi\nnx"}), {"images[0]"});
  bad_resolve("two bad images", images({"UPPER", "ok", "a//b"}), {"images[0]", "images[2]"});
  bad_resolve("action unspecified", [](auto& r) { r.set_action(v1::ACTION_UNSPECIFIED); },
              {"action"});
  bad_resolve("action 7", [](auto& r) { r.set_action(static_cast<v1::Action>(7)); }, {"action"});
  bad_resolve("action 7 and a bad image",
              [](auto& r) {
                r.set_action(static_cast<v1::Action>(7));
                r.set_images(0, "x@");
              },
              {"action", "images[0]"});
  bad_resolve("registry malformed", [](auto& r) { r.set_registry("users/alice/registries/Bad"); },
              {"registry"});
  bad_resolve("registry of another owner",
              [](auto& r) { r.set_registry("users/bob/registries/bobreg"); }, {"registry"});
  add("ResolveCredentials: image with invalid UTF-8",
      [this] {
        v1::ResolveCredentialsRequest valid;
        valid.set_owner("users/alice");
        valid.set_action(v1::ACTION_PULL);
        return RawUnary(server_.channel(), std::string(kCredentialService) + "ResolveCredentials",
                        valid.SerializeAsString() + LengthDelimited(2, "nginx" + kInvalidUtf8),
                        resolver_);
      },
      // Every method is a raw callback method that parses its own request, so it names the
      // field (gRPC's own parser would answer INTERNAL with no field).
      grpc::StatusCode::INVALID_ARGUMENT, {"images[0]"});
  add("ResolveCredentials: second image and owner with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kCredentialService) + "ResolveCredentials",
                        LengthDelimited(1, "users/al" + kInvalidUtf8) +
                            LengthDelimited(2, "nginx") +
                            LengthDelimited(2, "redis" + kInvalidUtf8),
                        resolver_);
      },
      grpc::StatusCode::INVALID_ARGUMENT, {"owner", "images[1]"});
  add("ResolveCredentials: bytes that are not a message",
      [this] {
        // Field 2, length-delimited, claiming 100 bytes of which 3 follow.
        return RawUnary(server_.channel(), std::string(kCredentialService) + "ResolveCredentials",
                        std::string("\x12\x64") + "abc", resolver_);
      },
      grpc::StatusCode::INVALID_ARGUMENT, {"request"});
  add(
      "ResolveCredentials: registry missing",
      [this] { return Resolve([](auto& r) { r.set_registry("users/alice/registries/missing"); }); },
      grpc::StatusCode::NOT_FOUND);

  // ---- AdminService.RewrapSecrets ----
  auto bad_rewrap = [&](std::string description, int batch_size, std::string token,
                        std::string field) {
    add("RewrapSecrets: " + description,
        [this, batch_size, token] { return Rewrap(batch_size, token); }, kInvalid, {field});
  };
  const std::string rewrap_body = rewrap_token_.substr(4);
  bad_rewrap("batch_size -1", -1, "", "batch_size");
  bad_rewrap("batch_size 10001", 10001, "", "batch_size");
  bad_rewrap("batch_size INT_MIN", INT_MIN, "", "batch_size");
  bad_rewrap("page_token garbage", 0, "garbage", "page_token");
  bad_rewrap("page_token with a flipped prefix", 0, "rw2." + rewrap_body, "page_token");
  bad_rewrap("page_token truncated into its prefix", 0, rewrap_token_.substr(0, 3), "page_token");
  bad_rewrap("page_token truncated mid-character", 0,
             "rw1." + rewrap_body.substr(0, (rewrap_body.size() - 1) / 4 * 4 + 1), "page_token");
  bad_rewrap("page_token with bad base64", 0, "rw1.!!!!", "page_token");
  bad_rewrap("page_token of ListRegistries", 0, alice_list_token_, "page_token");
  bad_rewrap("page_token of 5000 characters", 0, "rw1." + std::string(4996, 'A'), "page_token");
  add("RewrapSecrets: page_token with invalid UTF-8",
      [this] {
        return RawUnary(server_.channel(), std::string(kAdminService) + "RewrapSecrets",
                        LengthDelimited(2, "rw1." + kInvalidUtf8), admin_);
      },
      kInvalid, {"page_token"});

  // ---- unknown fields are ignored (proto3), also on the field-less requests ----
  add(
      "ListPresets: unknown field",
      [this] {
        v1::ListPresetsRequest request;
        Unknown(request)->AddVarint(999, 1);
        Unknown(request)->AddLengthDelimited(1000, "junk");
        v1::ListPresetsResponse response;
        return stub_->ListPresets(AuthContext(alice_).get(), request, &response);
      },
      grpc::StatusCode::OK);
  add(
      "RotateDataKey: unknown field",
      [this] {
        v1::RotateDataKeyRequest request;
        Unknown(request)->AddVarint(999, 1);
        v1::RotateDataKeyResponse response;
        return admin_stub_->RotateDataKey(AuthContext(admin_).get(), request, &response);
      },
      grpc::StatusCode::OK);
  add(
      "GetRegistry: unknown field",
      [this] {
        v1::GetRegistryRequest request;
        request.set_name("users/alice/registries/base");
        Unknown(request)->AddFixed64(4242, 7);
        v1::Registry response;
        return stub_->GetRegistry(AuthContext(alice_).get(), request, &response);
      },
      grpc::StatusCode::OK);
  add(
      "ListRegistryEvents: unknown field",
      [this] {
        return RawUnary(server_.channel(), std::string(kRegistryService) + "ListRegistryEvents",
                        LengthDelimited(1, "users/alice/registries/base") + VarintField(999, 1),
                        alice_);
      },
      grpc::StatusCode::OK);
  return rows;
}

TEST_F(MalformedRequestsTest, EveryRowGetsItsExactCodeAndFieldPaths) {
  const std::vector<Row> rows = Table();
  EXPECT_GE(rows.size(), 80u);
  RecordProperty("rows", static_cast<int>(rows.size()));
  for (const Row& row : rows) {
    SCOPED_TRACE(row.description);
    const grpc::Status status = row.call();
    EXPECT_EQ(status.error_code(), row.code) << status.error_message();
    EXPECT_THAT(ViolatedFields(status), ElementsAreArray(row.fields)) << status.error_message();
    if (row.code == grpc::StatusCode::INVALID_ARGUMENT) {
      // Every INVALID_ARGUMENT carries a BadRequest naming at least one field.
      EXPECT_THAT(row.fields, Not(IsEmpty()));
    }
  }

  // The server is healthy.
  auto health = grpc::health::v1::Health::NewStub(server_.channel());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(health->Check(&context, {}, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // Nothing was written: each owner has exactly what the setup created, base is unchanged.
  auto names_of = [this](const std::string& parent, const std::string& token) {
    v1::ListRegistriesResponse response;
    EXPECT_TRUE(List(parent, 1000, "", &response, token).ok());
    std::vector<std::string> names;
    for (const v1::Registry& r : response.registries()) names.push_back(r.name());
    return names;
  };
  EXPECT_THAT(names_of("users/alice", alice_),
              ElementsAre("registries/docker-hub", "users/alice/registries/base",
                          "users/alice/registries/second", "users/alice/registries/third"));
  EXPECT_THAT(names_of("users/bob", bob_),
              ElementsAre("registries/docker-hub", "users/bob/registries/bobreg",
                          "users/bob/registries/bobreg2"));
  const v1::Registry base_after = GetOk("users/alice/registries/base");
  EXPECT_EQ(base_after.etag(), base_before_.etag());
  EXPECT_EQ(base_after.display_name(), "Renamed");

  // A valid create and get still work.
  ASSERT_TRUE(CreateValid(alice_, "users/alice", "after-the-table").ok());
  EXPECT_EQ(GetOk("users/alice/registries/after-the-table").display_name(), "Valid");
}

// ---- --max-request-bytes ----

TEST(MaxRequestBytesTest, LargerRequestsAreRefusedBeforeAnyWork) {
  TempDir audit_dir;
  const std::string audit_file = audit_dir.File("audit.jsonl");
  ServerHarness server([&](app::ServerConfig& config) {
    config.max_request_bytes = 64 << 10;
    config.audit_log = audit_file;
  });
  auto stub = server.RegistryStub();
  const std::string alice = server.UserToken("alice");

  auto create = [&](const std::string& id, size_t thumbnail_size) {
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id(id);
    *request.mutable_registry() = ValidRegistry();
    request.mutable_registry()->set_thumbnail_uri(DataUriOfSize(thumbnail_size));
    v1::Registry response;
    return stub->CreateRegistry(AuthContext(alice).get(), request, &response);
  };

  grpc::Status too_large = create("too-large", 100 << 10);
  EXPECT_EQ(too_large.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << too_large.error_message();
  EXPECT_THAT(ViolatedFields(too_large), IsEmpty());
  // Just over the limit too: the whole message counts, not a field.
  EXPECT_EQ(create("just-over", (64 << 10) + 1).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Raw bytes of the same size are refused as well, whatever they contain.
  EXPECT_EQ(RawUnary(server.channel(), std::string(kRegistryService) + "CreateRegistry",
                     std::string(70 << 10, '\xff'), alice)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Nothing was written and no handler ran: no registry, and no audit line for those calls
  // (every CreateRegistry that reaches the handler is audited, refused or not).
  v1::ListRegistriesRequest list;
  list.set_parent("users/alice");
  v1::ListRegistriesResponse listed;
  ASSERT_TRUE(stub->ListRegistries(AuthContext(alice).get(), list, &listed).ok());
  ASSERT_EQ(listed.registries_size(), 1);
  EXPECT_EQ(listed.registries(0).name(), "registries/docker-hub");
  EXPECT_THAT(ReadFile(audit_file), Not(HasSubstr("CreateRegistry")));

  // A request under the limit goes through, and is audited.
  grpc::Status under = create("under", 60 << 10);
  ASSERT_TRUE(under.ok()) << under.error_message();
  EXPECT_THAT(ReadFile(audit_file), HasSubstr("users/alice/registries/under"));
}

// ---- unknown fields ----

TEST(UnknownFieldsTest, AreIgnoredAsProto3Says) {
  ServerHarness server;
  auto stub = server.RegistryStub();
  const std::string alice = server.UserToken("alice");

  // Raw bytes: a valid CreateRegistryRequest followed by field 999 (varint) and field 1000
  // (length-delimited), neither of which the server knows.
  v1::CreateRegistryRequest request;
  request.set_parent("users/alice");
  request.set_registry_id("raw-unknown");
  *request.mutable_registry() = ValidRegistry();
  std::string reply;
  grpc::Status raw =
      RawUnary(server.channel(), std::string(kRegistryService) + "CreateRegistry",
               request.SerializeAsString() + VarintField(999, 1) + LengthDelimited(1000, "future"),
               alice, &reply);
  ASSERT_TRUE(raw.ok()) << raw.error_message();
  v1::Registry created;
  ASSERT_TRUE(created.ParseFromString(reply));
  EXPECT_EQ(created.name(), "users/alice/registries/raw-unknown");

  // Through the typed stub, with an unknown field inside the nested Registry too.
  request.set_registry_id("typed-unknown");
  Unknown(request)->AddVarint(999, 1);
  Unknown(*request.mutable_registry())->AddVarint(999, 1);
  v1::Registry typed;
  grpc::Status status = stub->CreateRegistry(AuthContext(alice).get(), request, &typed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(typed.name(), "users/alice/registries/typed-unknown");
  EXPECT_FALSE(typed.password().size());

  v1::GetRegistryRequest get;
  get.set_name("users/alice/registries/typed-unknown");
  Unknown(get)->AddVarint(999, 1);
  v1::Registry fetched;
  ASSERT_TRUE(stub->GetRegistry(AuthContext(alice).get(), get, &fetched).ok());
  EXPECT_EQ(fetched.display_name(), "Valid");
  // Unknown fields sent inside a Registry are not stored and echoed back.
  EXPECT_EQ(fetched.GetReflection()->GetUnknownFields(fetched).field_count(), 0);
  EXPECT_EQ(typed.GetReflection()->GetUnknownFields(typed).field_count(), 0);
}

}  // namespace
}  // namespace registry::testing
