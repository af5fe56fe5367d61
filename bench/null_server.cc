// registry-null-server: the framework ceiling for ResolveCredentials (issue 6).
//
// A gRPC C++ server that does nothing but answer
//   /cloudmanager.registry.v1.CredentialService/ResolveCredentials
// through a raw unary callback method (ByteBuffer in, ByteBuffer out; no parsing, no auth, no
// storage) with fixed response bytes read from a file: the serialized ResolveCredentialsResponse
// that `registry-bench --capture-response FILE` captured from registryd for the same request.
// It also serves grpc.health.v1.Health/Check (a standard sync handler, like registryd's) so the
// same driver can run against it unchanged.
//
// With --answer-from-thread the handler does not finish the call itself: it queues the reactor
// and one answering thread finishes queued calls in order, the way registryd answers once a
// group commit is durable (GroupCommitter's reporter thread). Comparing the two modes measures
// what answering off gRPC's own threads costs the framework.
//
// Usage: registry-null-server --listen=127.0.0.1:0 --response-file=resp.bin [--port-file=F]
//        [--answer-from-thread]
// Prints "listening on <port>" once serving; runs until SIGINT/SIGTERM.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "cloudmanager/registry/v1/credential_service.grpc.pb.h"
#include "server/app/flag_names.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on (port 0 picks a free port)");
ABSL_FLAG(std::string, response_file, "",
          "serialized ResolveCredentialsResponse to answer every call with");
ABSL_FLAG(std::string, port_file, "", "if set, the bound port is written here once serving");
ABSL_FLAG(int, max_concurrent_streams, 100,
          "HTTP/2 streams per connection (registryd's default, for an identical setup)");
ABSL_FLAG(bool, answer_from_thread, false,
          "finish calls from one answering thread instead of inside the handler");

namespace {

namespace v1 = ::cloudmanager::registry::v1;

// The raw unary callback method, installed by the generated template over the plain service.
class NullCredentialService final
    : public v1::CredentialService::WithRawCallbackMethod_ResolveCredentials<
          v1::CredentialService::Service> {
 public:
  NullCredentialService(std::string bytes, bool answer_from_thread) {
    grpc::Slice slice(bytes);
    response_ = grpc::ByteBuffer(&slice, 1);
    if (answer_from_thread) answerer_ = std::thread([this] { Answer(); });
  }
  ~NullCredentialService() override {
    if (!answerer_.joinable()) return;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    answerer_.join();
  }

  grpc::ServerUnaryReactor* ResolveCredentials(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* /*request*/,
                                               grpc::ByteBuffer* response) override {
    *response = response_;  // Shares the slice (refcounted), no copy of the bytes.
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (answerer_.joinable()) {
      absl::MutexLock lock(&mu_);
      queued_.push_back(reactor);
    } else {
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

 private:
  // The answering thread: finishes the queued calls, a whole queue at a time.
  void Answer() {
    while (true) {
      std::vector<grpc::ServerUnaryReactor*> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](NullCredentialService* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->stopping_ || !self->queued_.empty();
            },
            this));
        if (queued_.empty()) return;
        batch.swap(queued_);
      }
      for (grpc::ServerUnaryReactor* reactor : batch) reactor->Finish(grpc::Status::OK);
    }
  }

  grpc::ByteBuffer response_;
  absl::Mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> queued_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread answerer_;
};

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arg_storage;
  std::vector<char*> args = registry::app::NormalizeFlagNames(argc, argv, arg_storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  const std::string path = absl::GetFlag(FLAGS_response_file);
  if (path.empty()) {
    std::cerr << "registry-null-server: --response-file is required\n";
    return 2;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "registry-null-server: cannot read " << path << "\n";
    return 2;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  v1::ResolveCredentialsResponse check;
  if (!check.ParseFromString(bytes)) {
    std::cerr << "registry-null-server: " << path << " is not a ResolveCredentialsResponse\n";
    return 2;
  }

  grpc::EnableDefaultHealthCheckService(true);
  NullCredentialService service(bytes, absl::GetFlag(FLAGS_answer_from_thread));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             absl::GetFlag(FLAGS_max_concurrent_streams));
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "registry-null-server: cannot listen on " << absl::GetFlag(FLAGS_listen) << "\n";
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_port_file)) << port << "\n";
  }
  std::cout << "listening on " << port << " (" << bytes.size() << " response bytes)" << std::endl;

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}
