// FlatIndex and the hashes behind its keys.
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "lib/route/impl.h"

namespace gwapi::route {
namespace {
const int kAnchor = 0;
}  // namespace

// A per-process seed (from the address of a static, which ASLR moves), so
// that nobody outside the process can aim requests at colliding keys.
extern const uint64_t kHashSeed =
    (reinterpret_cast<uintptr_t>(&kAnchor) * 0x9e3779b97f4a7c15ULL) ^
    0x243f6a8885a308d3ULL;

// After kHashSeed in this file, so initialized after it.
extern const uint64_t kHashRoot = Mix64(kHashSeed + 0x5bd1e995);

void FlatIndex::Build(std::vector<IndexSlot> entries) {
  // At most half full, so that a miss ends after a probe or two.
  size_t capacity = 16;
  while (capacity < entries.size() * 2) capacity *= 2;
  slots_.assign(capacity, IndexSlot{});
  mask_ = capacity - 1;
  for (const IndexSlot& e : entries) {
    size_t i = e.key & mask_;
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = e;
  }
}

}  // namespace gwapi::route
