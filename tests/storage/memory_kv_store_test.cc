// Runs the KvStore conformance suite against MemoryKvStore.
#include "storage/memory/memory_kv_store.h"

#include <memory>

#include "tests/storage/kv_store_conformance.h"

namespace registry::storage::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, KvStoreConformanceTest,
                         ::testing::Values(KvStoreFactory{
                             "Memory", [] { return std::make_unique<MemoryKvStore>(); }}),
                         KvStoreFactoryName);

}  // namespace
}  // namespace registry::storage::testing
