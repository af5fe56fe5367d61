#include "server/transport/inflight_limit.h"

#include <string>

namespace registry::transport {

grpc::Status InflightLimit::Refusal() const {
  return grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      "server busy: " + std::to_string(limit_) + " calls already in flight; retry with backoff");
}

}  // namespace registry::transport
