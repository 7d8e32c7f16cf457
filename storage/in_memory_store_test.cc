// Runs the Store conformance suite against InMemoryStore.
#include "storage/in_memory_store.h"

#include <memory>

#include "storage/store_conformance.h"

namespace streamtune {
namespace {

const StoreFactory kInMemory{
    "in_memory", [] { return std::make_unique<InMemoryStore>(); }, {}};

INSTANTIATE_TEST_SUITE_P(InMemory, StoreConformanceTest, ::testing::Values(kInMemory));
INSTANTIATE_TEST_SUITE_P(InMemory, DecisionPathTest, ::testing::Values(kInMemory));

}  // namespace
}  // namespace streamtune
