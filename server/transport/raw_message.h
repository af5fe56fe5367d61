// Decoding and encoding of raw (ByteBuffer) unary calls, for handlers registered as raw
// callback methods: they parse the request themselves, so a request that does not parse gets
// INVALID_ARGUMENT naming the offending field instead of gRPC's generic parse failure.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"

namespace registry::transport {

// Parses `buffer` into `message`. INVALID_ARGUMENT when it does not parse: with a BadRequest
// violation on each string field holding invalid UTF-8, nested ones included (`images[2]` for
// repeated fields, `registry.display_name` inside a message field), or on `request` when the
// bytes are not a valid message at all. The flattened copy of the request is wiped.
absl::Status DecodeRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message& message);

// Serializes `message` into `buffer` (replacing its contents).
void EncodeResponse(const google::protobuf::Message& message, grpc::ByteBuffer& buffer);

// Overwrites the bytes of an encoded response that will not be sent (it may carry secrets) and
// empties `buffer`. REQUIRES: `buffer` was filled by EncodeResponse and not handed to gRPC.
void WipeEncoded(grpc::ByteBuffer& buffer);

}  // namespace registry::transport
