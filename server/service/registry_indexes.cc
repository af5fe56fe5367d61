#include "server/service/registry_indexes.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/names.h"
#include "server/core/registry_index.h"
#include "server/core/registry_validation.h"
#include "server/core/sodium_codec.h"

namespace registry::service {
namespace {

constexpr std::string_view kRecordPrefix = "r/";
constexpr size_t kScanPage = 1024;

// Replaces `owner`'s stored index with `index`.
absl::Status WriteIndex(seal::Barrier& barrier, const core::OwnerName& owner,
                        const core::storage_v1::RegistryIndex& index) {
  storage::WriteBatch batch;
  batch.Put(core::RegistryIndexKey(owner), index.SerializeAsString());
  return barrier.Write(batch);
}

}  // namespace

absl::StatusOr<core::storage_v1::RegistryIndex> LoadRegistryIndex(seal::Barrier& barrier,
                                                                  const core::OwnerName& owner) {
  const std::string key = core::RegistryIndexKey(owner);
  core::storage_v1::RegistryIndex index;
  absl::StatusOr<std::string> stored = barrier.Get(key);
  if (absl::IsNotFound(stored.status())) return index;
  if (!stored.ok()) return stored.status();
  if (!index.ParseFromString(*stored)) {
    return absl::DataLossError(absl::StrCat("stored index under ", key, " does not parse"));
  }
  return index;
}

absl::Status EnsureRegistryIndexes(seal::Barrier& barrier) {
  absl::StatusOr<std::string> ready = barrier.Get(core::kRegistryIndexesReadyKey);
  if (ready.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(ready.status())) return ready.status();

  std::optional<core::OwnerName> owner;  // Owner of `index`; records arrive grouped by owner.
  core::storage_v1::RegistryIndex index;
  std::string cursor;
  while (true) {
    absl::StatusOr<std::vector<storage::KeyValue>> page =
        barrier.Scan(kRecordPrefix, cursor, kScanPage);
    if (!page.ok()) return page.status();
    for (storage::KeyValue& entry : *page) {
      ::cloudmanager::registry::v1::Registry record;
      const bool parsed = record.ParseFromString(entry.value);
      core::WipeString(entry.value);
      core::ClearSecrets(record);
      absl::StatusOr<core::RegistryName> name = core::ParseRegistryName(record.name(), "name");
      if (!parsed || !name.ok()) {
        return absl::DataLossError(
            absl::StrCat("stored record under ", entry.key, " does not parse; cannot index it"));
      }
      if (owner.has_value() && !(name->owner == *owner)) {
        if (absl::Status written = WriteIndex(barrier, *owner, index); !written.ok()) {
          return written;
        }
        index.Clear();
      }
      owner = name->owner;
      if (absl::Status added = core::UpsertIndexEntry(index, record); !added.ok()) {
        return absl::DataLossError(
            absl::StrCat("stored record under ", entry.key, " does not index: ", added.message()));
      }
    }
    if (page->size() < kScanPage) break;
    cursor = page->back().key;
  }
  if (owner.has_value()) {
    if (absl::Status written = WriteIndex(barrier, *owner, index); !written.ok()) return written;
  }
  storage::WriteBatch done;
  done.Put(std::string(core::kRegistryIndexesReadyKey), "1");
  return barrier.Write(done);
}

}  // namespace registry::service
