// ComputeEtag: BLAKE2b over the secret-free deterministic serialization.
#include "server/core/etag.h"

#include <array>
#include <iterator>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/core/registry_validation.h"
#include "server/core/sodium_codec.h"

namespace registry::core {
namespace {

constexpr size_t kEtagBytes = 16;
// Domain separation: the hash input starts with this label.
constexpr std::string_view kEtagDomain = "cloudmanager.registry.v1.Registry/etag/1\n";

// The etag of `record`, whose etag and secret fields are empty.
std::string HashWithoutEtagAndSecrets(const v1::Registry& record) {
  std::string bytes(kEtagDomain);
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&out);
  }
  return HexEncode(Blake2b(bytes, kEtagBytes));
}

}  // namespace

std::string ComputeEtag(const v1::Registry& stored) {
  v1::Registry record = stored;
  ClearSecrets(record);
  record.clear_etag();
  return HashWithoutEtagAndSecrets(record);
}

std::string ComputeEtagInPlace(v1::Registry& record) {
  // Each left-out field that holds something (the etag and the secrets ClearSecrets clears) is
  // swapped with an empty string and back.
  const std::array<std::string*, 3> secrets = HeldSecrets(record);
  std::string* const fields[] = {record.etag().empty() ? nullptr : record.mutable_etag(),
                                 secrets[0], secrets[1], secrets[2]};
  std::string aside[std::size(fields)];
  for (size_t i = 0; i < std::size(fields); ++i) {
    if (fields[i] != nullptr) fields[i]->swap(aside[i]);
  }
  std::string etag = HashWithoutEtagAndSecrets(record);
  for (size_t i = 0; i < std::size(fields); ++i) {
    if (fields[i] != nullptr) fields[i]->swap(aside[i]);
  }
  return etag;
}

}  // namespace registry::core
