// JsonLinesAuditSink: appends each audit event as one JSON line to a file or stdout.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/service/audit_sink.h"

namespace registry::app {

class JsonLinesAuditSink final : public service::AuditSink {
 public:
  // Opens `path` for appending (created 0600), or stdout for "-". FAILED_PRECONDITION when the
  // file cannot be opened.
  static absl::StatusOr<std::unique_ptr<JsonLinesAuditSink>> Open(const std::string& path);
  ~JsonLinesAuditSink() override;

  // service::AuditSink:
  // Writes the whole line with one write(2) under a lock (lines never interleave).
  absl::Status Append(const ::cloudmanager::registry::v1::RegistryEvent& event) override;

 private:
  JsonLinesAuditSink(int fd, bool owned, std::string path)
      : fd_(fd), owned_(owned), path_(std::move(path)) {}

  absl::Mutex mu_;
  const int fd_ ABSL_GUARDED_BY(mu_);
  const bool owned_;
  const std::string path_;
};

}  // namespace registry::app
