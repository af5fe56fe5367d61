// Raw garbage on the server's TCP port (issue 5, "Bad input"): random bytes, HTTP/1.1, a
// truncated HTTP/2 preface, a valid preface followed by garbage frames, and idle connections do
// not hurt other clients: a normal gRPC client keeps succeeding meanwhile and afterwards.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/server_harness.h"

namespace registry::testing {
namespace {

using ::testing::IsEmpty;

// A plain TCP connection to 127.0.0.1:port; closed when it dies.
class RawConnection final {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    // Never block the test on a server that stops reading.
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Writes `bytes`; stops quietly when the server has closed the connection (no SIGPIPE).
  void Send(const std::string& bytes) {
    size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  // Reads whatever the server answers within `timeout_ms` (up to EOF); never blocks longer.
  std::string Drain(int timeout_ms) {
    std::string out;
    char buffer[4096];
    while (fd_ >= 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) break;
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// An HTTP/2 frame header (9 bytes) plus `payload`; `length` may lie about the payload size.
std::string Frame(uint32_t length, uint8_t type, uint8_t flags, uint32_t stream,
                  const std::string& payload) {
  std::string out;
  out.push_back(static_cast<char>((length >> 16) & 0xFF));
  out.push_back(static_cast<char>((length >> 8) & 0xFF));
  out.push_back(static_cast<char>(length & 0xFF));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>((stream >> 24) & 0x7F));
  out.push_back(static_cast<char>((stream >> 16) & 0xFF));
  out.push_back(static_cast<char>((stream >> 8) & 0xFF));
  out.push_back(static_cast<char>(stream & 0xFF));
  return out + payload;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(byte(rng));
  return out;
}

// A normal client calling the server in a loop until told to stop; counts every outcome.
class BackgroundClient final {
 public:
  explicit BackgroundClient(ServerHarness& server)
      : channel_(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials())),
        stub_(v1::RegistryService::NewStub(channel_)),
        token_(server.UserToken("alice")) {
    thread_ = std::thread([this] { Run(); });
  }
  ~BackgroundClient() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Blocks until at least `n` calls have completed since construction.
  void WaitForCalls(int n) {
    while (calls_.load() < n && !stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  int calls() const { return calls_.load(); }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void Run() {
    while (!stop_) {
      v1::GetRegistryRequest request;
      request.set_name("users/alice/registries/steady");
      v1::Registry response;
      grpc::Status status = stub_->GetRegistry(AuthContext(token_).get(), request, &response);
      if (!status.ok()) {
        failures_.push_back(status.error_message());
      } else if (response.display_name() != "Steady") {
        failures_.push_back("unexpected display_name " + response.display_name());
      }
      ++calls_;
    }
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RegistryService::Stub> stub_;
  std::string token_;
  std::atomic<bool> stop_{false};
  std::atomic<int> calls_{0};
  std::vector<std::string> failures_;  // Written by the thread only; read after Stop().
  std::thread thread_;
};

TEST(RawSocketTest, GarbageOnTheSocketDoesNotHurtOtherClients) {
  ServerHarness server;
  {
    auto stub = server.RegistryStub();
    v1::CreateRegistryRequest request;
    request.set_parent("users/alice");
    request.set_registry_id("steady");
    request.mutable_registry()->set_display_name("Steady");
    request.mutable_registry()->set_server("registry.example.com");
    request.mutable_registry()->set_credential_type(v1::CREDENTIAL_TYPE_NONE);
    v1::Registry created;
    grpc::Status status =
        stub->CreateRegistry(AuthContext(server.UserToken("alice")).get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  BackgroundClient client(server);
  client.WaitForCalls(5);
  std::mt19937 rng(20240505);

  // Idle connections that stay open for the whole test: one silent, one mid-preface, one
  // after a valid preface and SETTINGS with nothing more.
  RawConnection silent(server.port());
  RawConnection half_preface(server.port());
  RawConnection quiet_http2(server.port());
  ASSERT_TRUE(silent.connected() && half_preface.connected() && quiet_http2.connected());
  half_preface.Send(std::string(kPreface).substr(0, 10));
  quiet_http2.Send(std::string(kPreface) + Frame(0, 0x4, 0, 0, ""));

  // Random bytes, many connections, some large.
  for (int i = 0; i < 20; ++i) {
    RawConnection random(server.port());
    ASSERT_TRUE(random.connected());
    random.Send(RandomBytes(rng, i % 5 == 0 ? (256 << 10) : 1 + (i * 997) % 4096));
    random.Drain(50);
  }

  // HTTP/1.1 requests, plain and with a body claiming to be gRPC.
  {
    RawConnection http(server.port());
    ASSERT_TRUE(http.connected());
    http.Send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
    http.Drain(200);
  }
  {
    RawConnection http(server.port());
    ASSERT_TRUE(http.connected());
    http.Send(
        "POST /cloudmanager.registry.v1.RegistryService/GetRegistry HTTP/1.1\r\n"
        "Host: localhost\r\nContent-Type: application/grpc\r\nContent-Length: 5\r\n\r\n"
        "\x00\x00\x00\x00\x00");
    http.Drain(200);
  }

  // A truncated preface that is then closed, and one with a wrong ending.
  {
    RawConnection truncated(server.port());
    ASSERT_TRUE(truncated.connected());
    truncated.Send(std::string(kPreface).substr(0, 17));
  }
  {
    RawConnection wrong(server.port());
    ASSERT_TRUE(wrong.connected());
    wrong.Send("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n");
    wrong.Drain(200);
  }

  // Valid prefaces followed by garbage frames.
  const std::vector<std::string> garbage_frames = {
      // SETTINGS with a length that is not a multiple of 6.
      Frame(5, 0x4, 0, 0, "\x00\x01\x00\x00\x10"),
      // SETTINGS on a stream.
      Frame(6, 0x4, 0, 1, std::string("\x00\x04\x00\x00\xff\xff", 6)),
      // A frame claiming 16 MiB of payload, then a little of it.
      Frame(0xFFFFFF, 0x0, 0, 1, RandomBytes(rng, 1024)),
      // HEADERS with garbage HPACK.
      Frame(64, 0x1, 0x4 | 0x1, 1, RandomBytes(rng, 64)),
      // DATA on a stream that was never opened.
      Frame(16, 0x0, 0x1, 3, RandomBytes(rng, 16)),
      // WINDOW_UPDATE with increment 0, then RST_STREAM on stream 0.
      Frame(4, 0x8, 0, 0, std::string(4, '\0')) + Frame(4, 0x3, 0, 0, std::string(4, '\0')),
      // An unknown frame type, then a GOAWAY with a garbage body.
      Frame(8, 0xEE, 0xFF, 7, RandomBytes(rng, 8)) + Frame(3, 0x7, 0, 0, "xyz"),
      // A CONTINUATION with no HEADERS before it.
      Frame(10, 0x9, 0x4, 5, RandomBytes(rng, 10)),
      // Just random bytes after the preface.
      RandomBytes(rng, 8192),
  };
  for (const std::string& frames : garbage_frames) {
    RawConnection h2(server.port());
    ASSERT_TRUE(h2.connected());
    h2.Send(std::string(kPreface) + Frame(0, 0x4, 0, 0, "") + frames);
    h2.Drain(100);
  }

  // Keep the idle connections open while the client does more calls.
  const int before_idle = client.calls();
  client.WaitForCalls(before_idle + 20);
  half_preface.Send(std::string(kPreface).substr(10, 3));  // Still not complete.
  client.WaitForCalls(client.calls() + 20);
  client.Stop();

  EXPECT_THAT(client.failures(), IsEmpty());
  EXPECT_GE(client.calls(), 45);

  // Afterwards the server is healthy and a fresh client is served.
  auto fresh = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(fresh);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse serving;
  grpc::Status checked = health->Check(&context, {}, &serving);
  ASSERT_TRUE(checked.ok()) << checked.error_message();
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  auto stub = v1::RegistryService::NewStub(fresh);
  v1::GetRegistryRequest request;
  request.set_name("users/alice/registries/steady");
  v1::Registry response;
  grpc::Status got =
      stub->GetRegistry(AuthContext(server.UserToken("alice")).get(), request, &response);
  ASSERT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(response.display_name(), "Steady");
}

}  // namespace
}  // namespace registry::testing
