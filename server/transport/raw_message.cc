#include "server/transport/raw_message.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/support/slice.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/text.h"

namespace registry::transport {
namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// The violations that explain why `bytes` did not parse as `descriptor`.
std::vector<core::FieldViolation> WhyUnparsable(const std::string& bytes,
                                                const google::protobuf::Descriptor& descriptor) {
  std::vector<core::FieldViolation> violations;
  google::protobuf::UnknownFieldSet fields;
  if (fields.ParseFromString(bytes)) {
    std::map<int, int> seen;  // Field number → occurrences so far (index of repeated fields).
    for (int i = 0; i < fields.field_count(); ++i) {
      const google::protobuf::UnknownField& field = fields.field(i);
      const int occurrence = seen[field.number()]++;
      const google::protobuf::FieldDescriptor* known = descriptor.FindFieldByNumber(field.number());
      if (known == nullptr || known->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
          field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED ||
          core::DecodeUtf8(field.length_delimited()).has_value()) {
        continue;
      }
      violations.push_back({known->is_repeated() ? absl::StrCat(known->name(), "[", occurrence, "]")
                                                 : std::string(known->name()),
                            "is not valid UTF-8"});
    }
  }
  if (violations.empty()) {
    violations.push_back(
        {"request", absl::StrCat("is not a valid ", descriptor.full_name(), " message")});
  }
  return violations;
}

}  // namespace

absl::Status DecodeRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
  const std::string bytes = Flatten(buffer);
  if (message.ParseFromString(bytes)) return absl::OkStatus();
  return core::InvalidArgumentError(WhyUnparsable(bytes, *message.GetDescriptor()));
}

void EncodeResponse(const google::protobuf::Message& message, grpc::ByteBuffer& buffer) {
  grpc::Slice slice(message.ByteSizeLong());
  message.SerializeWithCachedSizesToArray(const_cast<uint8_t*>(slice.begin()));
  grpc::ByteBuffer encoded(&slice, 1);
  buffer.Swap(&encoded);
}

}  // namespace registry::transport
