#include "server/service/timestamps.h"

namespace registry::service {

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  const int64_t nanos = absl::ToUnixNanos(time);
  google::protobuf::Timestamp timestamp;
  int64_t seconds = nanos / 1'000'000'000;
  int64_t remainder = nanos % 1'000'000'000;
  if (remainder < 0) {
    remainder += 1'000'000'000;
    --seconds;
  }
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(remainder));
  return timestamp;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

}  // namespace registry::service
