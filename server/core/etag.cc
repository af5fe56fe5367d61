// ComputeEtag: BLAKE2b over the secret-free deterministic serialization.
#include "server/core/etag.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/core/registry_validation.h"
#include "server/core/sodium_codec.h"

namespace registry::core {
namespace {

constexpr size_t kEtagBytes = 16;
// Domain separation: the hash input starts with this label.
constexpr std::string_view kEtagDomain = "cloudmanager.registry.v1.Registry/etag/1\n";

}  // namespace

std::string ComputeEtag(const v1::Registry& stored) {
  v1::Registry record = stored;
  ClearSecrets(record);
  record.clear_etag();
  std::string bytes(kEtagDomain);
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&out);
  }
  return HexEncode(Blake2b(bytes, kEtagBytes));
}

}  // namespace registry::core
