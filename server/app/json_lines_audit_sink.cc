#include "server/app/json_lines_audit_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace registry::app {

absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> JsonLinesAuditSink::Open(
    const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<JsonLinesAuditSink>(new JsonLinesAuditSink(STDOUT_FILENO, false, path));
  }
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open --audit-log ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<JsonLinesAuditSink>(new JsonLinesAuditSink(fd, true, path));
}

JsonLinesAuditSink::~JsonLinesAuditSink() {
  absl::MutexLock lock(&mu_);
  if (owned_) close(fd_);
}

absl::Status JsonLinesAuditSink::Append(const ::cloudmanager::registry::v1::RegistryEvent& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string line;
  if (!google::protobuf::util::MessageToJsonString(event, &line, options).ok()) {
    return absl::InternalError("cannot encode audit event");
  }
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot write audit log ", path_, ": ", std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace registry::app
