#include "server/transport/raw_message.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/support/slice.h>
#include <sodium.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/field_violation.h"
#include "server/core/sodium_codec.h"
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

// Appends a violation for each string field of `bytes` (parsed as `descriptor`, field paths
// prefixed with `prefix`) that holds invalid UTF-8, looking into nested messages too.
void AddUtf8Violations(const std::string& bytes, const google::protobuf::Descriptor& descriptor,
                       const std::string& prefix, std::vector<core::FieldViolation>& violations) {
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) return;
  std::map<int, int> seen;  // Field number → occurrences so far (index of repeated fields).
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = fields.field(i);
    const int occurrence = seen[field.number()]++;
    const google::protobuf::FieldDescriptor* known = descriptor.FindFieldByNumber(field.number());
    if (known == nullptr || field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    const std::string path = known->is_repeated()
                                 ? absl::StrCat(prefix, known->name(), "[", occurrence, "]")
                                 : absl::StrCat(prefix, known->name());
    if (known->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      AddUtf8Violations(field.length_delimited(), *known->message_type(), path + ".", violations);
    } else if (known->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
               !core::DecodeUtf8(field.length_delimited()).has_value()) {
      violations.push_back({path, "is not valid UTF-8"});
    }
  }
}

// The violations that explain why `bytes` did not parse as `descriptor`.
std::vector<core::FieldViolation> WhyUnparsable(const std::string& bytes,
                                                const google::protobuf::Descriptor& descriptor) {
  std::vector<core::FieldViolation> violations;
  AddUtf8Violations(bytes, descriptor, "", violations);
  if (violations.empty()) {
    violations.push_back(
        {"request", absl::StrCat("is not a valid ", descriptor.full_name(), " message")});
  }
  return violations;
}

}  // namespace

absl::Status DecodeRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
  std::string bytes = Flatten(buffer);
  absl::Status decoded =
      message.ParseFromString(bytes)
          ? absl::OkStatus()
          : core::InvalidArgumentError(WhyUnparsable(bytes, *message.GetDescriptor()));
  core::WipeString(bytes);  // A request may carry a secret (CreateRegistry's password).
  return decoded;
}

void EncodeResponse(const google::protobuf::Message& message, grpc::ByteBuffer& buffer) {
  grpc::Slice slice(message.ByteSizeLong());
  message.SerializeWithCachedSizesToArray(const_cast<uint8_t*>(slice.begin()));
  grpc::ByteBuffer encoded(&slice, 1);
  buffer.Swap(&encoded);
}

void WipeEncoded(grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (buffer.Dump(&slices).ok()) {
    // The slices are the ones EncodeResponse allocated: this process's writable memory.
    for (grpc::Slice& slice : slices) {
      sodium_memzero(const_cast<uint8_t*>(slice.begin()), slice.size());
    }
  }
  buffer.Clear();
}

}  // namespace registry::transport
