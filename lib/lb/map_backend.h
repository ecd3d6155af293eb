// Where LB map entries go: the MapBackend interface over the six maps of
// gwapi/lb_abi.h, and an in-memory implementation for tests and dry runs.
#ifndef GWAPI_LIB_LB_MAP_BACKEND_H_
#define GWAPI_LIB_LB_MAP_BACKEND_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/lb/types.h"

namespace gwapi::lb {

enum class MapId : uint8_t {
  kServices4,
  kBackends4,
  kRevNat4,
  kServices6,
  kBackends6,
  kRevNat6,
};
inline constexpr int kNumMaps = 6;
inline constexpr std::array<MapId, kNumMaps> kAllMaps = {MapId::kServices4, MapId::kBackends4,
                                                         MapId::kRevNat4,   MapId::kServices6,
                                                         MapId::kBackends6, MapId::kRevNat6};

// The pinned name and fixed layout of one map.
struct MapSpec {
  const char* name;
  uint32_t key_size;
  uint32_t value_size;
};
const MapSpec& GetMapSpec(MapId map);
MapId ServicesMap(Family f);
MapId BackendsMap(Family f);
MapId RevNatMap(Family f);

// max_entries of each kind of map (both families). Cilium's default is
// 65,536 for each; 10,000 services of 10 backends need
// services >= 110,000 and backends >= 100,000.
struct MapSizes {
  uint32_t services = 65536;
  uint32_t backends = 65536;
  uint32_t rev_nat = 65536;
  uint32_t For(MapId map) const;
};

// Storage for the LB maps. Keys and values are packed arrays of the map's
// key_size / value_size bytes (the structs of gwapi/lb_abi.h). A failed
// Update or Delete may have applied a prefix of its entries; the Writer
// rolls back from what it knows it asked for.
// Thread-safety: implementations need not be thread-safe; one Writer uses a
// backend at a time.
class MapBackend {
 public:
  virtual ~MapBackend() = default;

  virtual uint32_t MaxEntries(MapId map) const = 0;
  // Inserts or replaces `count` entries. A full map is ResourceExhausted.
  virtual absl::Status Update(MapId map, const void* keys, const void* values, uint32_t count) = 0;
  // Deletes `count` entries. Every key must exist (NotFound otherwise)
  // unless `ignore_missing`.
  virtual absl::Status Delete(MapId map, const void* keys, uint32_t count, bool ignore_missing) = 0;
  // Appends every entry of the map to `keys` and `values`.
  virtual absl::Status Dump(MapId map, std::vector<uint8_t>* keys,
                            std::vector<uint8_t>* values) = 0;
};

// Every entry of one map as MapBackend::Dump returns them, with accessors
// for the i-th key and value. Read-only after DumpMap; not thread-safe.
struct MapDump {
  MapSpec spec{};
  std::vector<uint8_t> keys;
  std::vector<uint8_t> values;
  size_t size() const { return keys.size() / spec.key_size; }
  const uint8_t* key(size_t i) const { return &keys[i * spec.key_size]; }
  const uint8_t* value(size_t i) const { return &values[i * spec.value_size]; }
};

// Dumps `map` of `backend`.
absl::StatusOr<MapDump> DumpMap(MapBackend& backend, MapId map);

// The six maps held in memory with the kernel's capacity rule (a new key
// into a full map fails), every element write recorded in order so tests
// can assert the write order, and an injectable failure.
// Thread-safety: not thread-safe.
class InMemoryMapBackend : public MapBackend {
 public:
  struct Op {
    enum Kind : uint8_t { kUpdate, kDelete };
    MapId map;
    Kind kind;
    std::string key;
    std::string value;  // empty for kDelete
  };

  explicit InMemoryMapBackend(MapSizes sizes = {}) : sizes_(sizes) {}

  uint32_t MaxEntries(MapId map) const override { return sizes_.For(map); }
  absl::Status Update(MapId map, const void* keys, const void* values, uint32_t count) override;
  absl::Status Delete(MapId map, const void* keys, uint32_t count, bool ignore_missing) override;
  absl::Status Dump(MapId map, std::vector<uint8_t>* keys, std::vector<uint8_t>* values) override;

  // Entries keyed by raw key bytes, in byte order.
  const std::map<std::string, std::string>& entries(MapId map) const {
    return maps_[static_cast<int>(map)];
  }
  // Every successful element write since construction or ClearOps().
  const std::vector<Op>& ops() const { return ops_; }
  void ClearOps() { ops_.clear(); }
  // Number of Update/Delete calls (one per batch), like syscalls.
  uint64_t calls() const { return calls_; }
  // Makes the element write after `n` more successful ones fail with
  // `status` (once).
  void FailAfter(uint64_t n, absl::Status status) {
    fail_after_ = n;
    fail_status_ = std::move(status);
  }

 private:
  absl::Status MaybeFail();

  MapSizes sizes_;
  std::array<std::map<std::string, std::string>, kNumMaps> maps_;
  std::vector<Op> ops_;
  uint64_t calls_ = 0;
  int64_t fail_after_ = -1;
  absl::Status fail_status_;
};

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_MAP_BACKEND_H_
