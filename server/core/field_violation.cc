// InvalidArgumentError / ViolationsOf: BadRequest payloads on absl::Status.
#include "server/core/field_violation.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"
#include "server/core/string_view_bridge.h"

namespace registry::core {

absl::Status InvalidArgumentError(std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  std::string message = "invalid request";
  for (size_t i = 0; i < violations.size(); ++i) {
    absl::StrAppend(&message, i == 0 ? ": " : "; ", violations[i].field, ": ",
                    violations[i].description);
    auto* v = bad_request.add_field_violations();
    v->set_field(std::move(violations[i].field));
    v->set_description(std::move(violations[i].description));
  }
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(ToAbsl(kBadRequestTypeUrl), absl::Cord(bad_request.SerializeAsString()));
  return status;
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  absl::optional<absl::Cord> payload = status.GetPayload(ToAbsl(kBadRequestTypeUrl));
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  out.reserve(bad_request.field_violations_size());
  for (const auto& v : bad_request.field_violations()) {
    out.push_back(FieldViolation{v.field(), v.description()});
  }
  return out;
}

}  // namespace registry::core
