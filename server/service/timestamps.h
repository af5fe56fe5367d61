// Conversions between absl::Time and google.protobuf.Timestamp.
#pragma once

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace registry::service {

// Converts `time` to a Timestamp (nanosecond precision, UTC).
google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);

// Converts `timestamp` back to absl::Time.
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace registry::service
