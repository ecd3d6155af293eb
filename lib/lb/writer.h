// The Writer: brings the LB maps to a desired state with the fewest writes,
// in an order the datapath can read at any moment.
#ifndef GWAPI_LIB_LB_WRITER_H_
#define GWAPI_LIB_LB_WRITER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gwapi/lb_abi.h"
#include "lib/lb/encode.h"
#include "lib/lb/map_backend.h"
#include "lib/lb/types.h"

namespace gwapi::lb {

struct WriterOptions {
  // Bound on the slots one frontend's weights expand to; see ExpandSlots.
  uint32_t max_slots_per_frontend = kDefaultMaxSlotsPerFrontend;
  // Cilium 1.16 writes protocol 0 (any) into service keys and backends, so
  // a TCP and a UDP frontend on the same address and port are one entry
  // and a desired state holding both is refused. true writes the IANA
  // numbers instead, as Cilium 1.17 does with --bpf-lb-proto-diff.
  bool protocol_differentiation = false;
};

// What the last Sync did.
struct SyncStats {
  uint32_t frontends_changed = 0;  // written because new or different
  uint32_t frontends_removed = 0;
  uint32_t entries_written = 0;  // map elements inserted or replaced
  uint32_t entries_deleted = 0;
  uint32_t backend_calls = 0;  // MapBackend Update/Delete calls
};

// Allocates IDs in [first, last] by scanning forward from the last one
// handed out, so a freed ID is reused only after the range wraps (old
// connection-tracking entries do not meet a new owner at once).
// Thread-safety: not thread-safe.
class IdAllocator {
 public:
  IdAllocator(uint32_t first, uint32_t last) : first_(first), last_(last), next_(first) {}
  // Marks `id` used (restore); false if out of range or taken.
  bool Reserve(uint32_t id);
  absl::StatusOr<uint32_t> Allocate();
  void Release(uint32_t id) { used_.erase(id); }
  void ReserveCapacity(size_t n) { used_.reserve(n); }
  uint32_t next() const { return next_; }
  void set_next(uint32_t next) { next_ = next; }
  size_t size() const { return used_.size(); }

 private:
  uint32_t first_, last_, next_;
  absl::flat_hash_set<uint32_t> used_;
};

// Writes desired LB state (frontends and backends) into the maps of a
// MapBackend. Sync diffs against what the maps hold and writes only changed
// entries, make-before-break: new or changed backends, then slots 1..N,
// then reverse NAT, then master entries, then surplus slots and orphan
// backends are deleted; a removed frontend goes master first, then slots,
// then reverse NAT. Capacity is checked before anything is written, and a
// failed write rolls back what the Sync wrote, so each frontend is left in
// its old or its new state. Backend IDs are shared by address, port and
// protocol and reference-counted; rev-NAT indices are per frontend. Create
// restores both from the maps, so a restarted writer rewrites nothing that
// is already right.
// Thread-safety: not thread-safe; one Writer per set of maps.
class Writer {
 public:
  // Reads every map of `backend` (which must outlive the Writer) and
  // restores IDs and state from it. Writes nothing.
  static absl::StatusOr<std::unique_ptr<Writer>> Create(MapBackend* backend,
                                                        WriterOptions options = {});

  // Makes the maps hold exactly `desired`. On error, the maps and the
  // Writer are as before the call (unless undoing failed too, which the
  // message says; the Writer then re-reads the maps).
  absl::Status Sync(const DesiredState& desired);

  const SyncStats& last_sync() const { return stats_; }
  // The rev-NAT index of a frontend / the ID of a backend, if it has one.
  std::optional<uint16_t> RevNatIndex(const Address& address, uint16_t port,
                                      Protocol protocol) const;
  std::optional<uint32_t> BackendId(const Address& address, uint16_t port, Protocol protocol) const;
  size_t frontend_count() const { return frontends_.size(); }
  size_t backend_count() const { return backends_.size(); }

 private:
  struct FeKey {
    Address address;
    uint16_t port = 0;
    uint8_t proto = 0;
    uint8_t scope = 0;
    friend bool operator==(const FeKey&, const FeKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const FeKey& k) {
      return H::combine(std::move(h), k.address, k.port, k.proto, k.scope);
    }
  };
  struct BeKey {
    Address address;
    uint16_t port = 0;
    uint8_t proto = 0;
    friend bool operator==(const BeKey&, const BeKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const BeKey& k) {
      return H::combine(std::move(h), k.address, k.port, k.proto);
    }
  };
  struct BackendRef {
    uint32_t id;
    bool active;
  };
  // One frontend as the maps hold it.
  struct FrontendState {
    uint16_t rev_nat = 0;  // 0: none yet (restored without a usable index)
    bool master_in_map = false;
    gwapi_lb_service master{};
    bool revnat_in_map = false;       // its reverse-NAT entry exists
    bool revnat_exact = false;        // ... and holds this frontend's address
    bool slots_canonical = true;      // every slot entry is {backend_id, rev_nat}
    std::vector<uint32_t> slots;      // slots[i]: backend ID at slot i+1; 0 none
    std::vector<BackendRef> refs;     // distinct backends it references
    std::optional<Frontend> applied;  // what was written; absent if restored
    uint64_t seen = 0;                // epoch of the last Sync that wanted it
  };
  struct BackendEntry {
    BeKey key;
    uint32_t active_refs = 0;
    uint32_t other_refs = 0;
    bool in_map = false;
    uint8_t map_state = 0;
    bool map_canonical = true;  // cluster_id, zone, pad all 0
    bool pending = false;       // added by the Sync in progress
  };
  struct Plan;

  Writer(MapBackend* backend, WriterOptions options) : backend_(backend), options_(options) {}
  absl::Status Restore();
  // Dumps `map` for Restore and records how many entries it holds.
  absl::StatusOr<MapDump> DumpCounted(MapId map);
  void Reset();
  uint8_t EncodedProto(Protocol p) const {
    return options_.protocol_differentiation ? static_cast<uint8_t>(p) : 0;
  }
  absl::Status PlanFrontend(const Frontend& f, const FeKey& key, const FrontendState* old,
                            Plan* plan);
  void PlanRemoval(const FeKey& key, const FrontendState& old, Plan* plan);
  absl::Status PlanBackends(Plan* plan);
  absl::Status CheckCapacity(const Plan& plan) const;
  absl::Status Execute(Plan* plan, bool* undo_failed);
  void Commit(Plan* plan);
  void Abandon(Plan* plan);
  absl::StatusOr<uint32_t> AllocateBackendId();
  static uint8_t PendingState(const BackendEntry& b);

  MapBackend* backend_;
  WriterOptions options_;
  absl::flat_hash_map<FeKey, FrontendState> frontends_;
  absl::flat_hash_map<uint32_t, BackendEntry> backends_;
  absl::flat_hash_map<BeKey, uint32_t> backend_ids_;
  IdAllocator rev_nat_ids_{1, 0xFFFE};
  // Backend IDs: [1, 0xFFFFFFFE]; 0 means "none" to the datapath.
  static constexpr uint32_t kFirstBackendId = 1;
  static constexpr uint32_t kLastBackendId = 0xFFFFFFFE;
  uint32_t next_backend_id_ = kFirstBackendId;
  // Entries found at restore that no frontend owns; deleted by the next
  // Sync. Their IDs stay reserved until then.
  struct Orphan {
    Family family;
    uint32_t key;   // rev-NAT index or backend ID
    bool reserved;  // its ID is reserved in the allocator until deleted
    std::string value;
  };
  std::vector<Orphan> orphan_rev_nat_;
  std::vector<Orphan> orphan_backend_entries_;
  bool cleanup_pending_ = false;
  std::array<int64_t, kNumMaps> map_counts_{};
  SyncStats stats_;
  uint64_t epoch_ = 0;
};

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_WRITER_H_
