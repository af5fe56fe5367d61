// AuditSink: where audit events go besides the store (a JSON-lines file, stdout).
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "cloudmanager/registry/v1/registry_event.pb.h"

namespace registry::service {

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  AuditSink() = default;
  AuditSink(const AuditSink&) = delete;
  AuditSink& operator=(const AuditSink&) = delete;

  // Appends `event` before returning. Any error means the event may not have been recorded;
  // the caller then fails its RPC (UNAVAILABLE). Thread-safe.
  virtual absl::Status Append(const ::cloudmanager::registry::v1::RegistryEvent& event) = 0;
};

using AuditSinkPtr = std::unique_ptr<AuditSink>;

}  // namespace registry::service
