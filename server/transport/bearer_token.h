// Extraction of the bearer token from gRPC request metadata.
#pragma once

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string_view>

#include "absl/status/statusor.h"

namespace registry::transport {

// Returns the token of the single `authorization: Bearer <token>` header (scheme
// case-insensitive). UNAUTHENTICATED when it is missing, repeated or not a bearer credential.
// The returned view points into `metadata`.
absl::StatusOr<std::string_view> ExtractBearerToken(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

}  // namespace registry::transport
