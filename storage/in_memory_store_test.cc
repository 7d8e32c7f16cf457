// Runs the Store conformance suite against InMemoryStore.
#include "storage/in_memory_store.h"

#include <memory>

#include "storage/store_conformance.h"

namespace streamtune {
namespace {

INSTANTIATE_TEST_SUITE_P(InMemory, StoreConformanceTest,
                         ::testing::Values(StoreFactory{
                             "in_memory",
                             [] { return std::make_unique<InMemoryStore>(); }}));

}  // namespace
}  // namespace streamtune
