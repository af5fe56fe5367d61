#include "server/transport/bearer_token.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace registry::transport {

absl::StatusOr<std::string_view> ExtractBearerToken(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto [first, last] = metadata.equal_range("authorization");
  if (first == last) {
    return absl::UnauthenticatedError("missing `authorization: Bearer <token>` metadata");
  }
  if (std::next(first) != last) {
    return absl::UnauthenticatedError("more than one authorization header");
  }
  absl::string_view value(first->second.data(), first->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError("authorization metadata is not a Bearer token");
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
  return std::string_view(token.data(), token.size());
}

}  // namespace registry::transport
