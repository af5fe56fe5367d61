// Decoding and encoding of raw (ByteBuffer) unary calls, for handlers registered as raw
// callback methods: they parse the request themselves, so a request that does not parse gets
// INVALID_ARGUMENT naming the offending field instead of gRPC's generic parse failure.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"

namespace registry::transport {

// Parses `buffer` into `message`. INVALID_ARGUMENT when it does not parse: with a BadRequest
// violation on each top-level string field holding invalid UTF-8 (`images[2]` for repeated
// fields), or on `request` when the bytes are not a valid message at all.
absl::Status DecodeRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message& message);

// Serializes `message` into `buffer` (replacing its contents).
void EncodeResponse(const google::protobuf::Message& message, grpc::ByteBuffer& buffer);

}  // namespace registry::transport
