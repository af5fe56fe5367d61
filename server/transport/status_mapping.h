// The ONE table mapping absl::Status (all layers below) to grpc::Status on the wire.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace registry::transport {

// Maps `status` to the gRPC status with the same meaning. A google.rpc.BadRequest payload
// (core::kBadRequestTypeUrl) travels as a google.rpc.Status in grpc-status-details-bin, so
// clients see the violated fields. The message is passed through unchanged: layers below
// guarantee it never contains a secret.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace registry::transport
