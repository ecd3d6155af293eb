// FlatIndex and the hashes behind its keys; TextPool.
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
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

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
// Smaller arrays are within the TLB's reach with 4 KiB pages, and aligning
// them would reserve up to 2 MiB more (BM_Match_Compile_*: bytes_per_route).
constexpr size_t kHugePageMin = 4 * kHugePage;
}  // namespace

template <typename T>
T* HugePageAllocator<T>::allocate(size_t n) {
  const size_t bytes = n * sizeof(T);
  if (bytes < kHugePageMin) return std::allocator<T>().allocate(n);
  void* p = ::operator new(bytes, std::align_val_t(kHugePage));
  // Only advice: without huge pages the index works the same, slower.
  madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<T*>(p);
}

template <typename T>
void HugePageAllocator<T>::deallocate(T* p, size_t n) {
  if (n * sizeof(T) < kHugePageMin) {
    std::allocator<T>().deallocate(p, n);
  } else {
    ::operator delete(p, std::align_val_t(kHugePage));
  }
}

template struct HugePageAllocator<IndexSlot>;

absl::string_view TextPool::Add(absl::string_view text) {
  if (text.empty()) return absl::string_view();
  if (capacity_ - used_ < text.size()) {
    // Blocks double from 1 KiB up to kBlock, so a small snapshot stays
    // small; a text longer than a block gets a block of its own.
    capacity_ = std::max(std::clamp<size_t>(reserved_, 1024, kBlock), text.size());
    blocks_.push_back(std::make_unique<char[]>(capacity_));
    reserved_ += capacity_;
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  std::memcpy(at, text.data(), text.size());
  used_ += text.size();
  return absl::string_view(at, text.size());
}

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
