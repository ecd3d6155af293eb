#include "lib/lb/writer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace gwapi::lb {
namespace {

// The steps of a Sync, in execution order. Removed frontends go first
// (master, slots, reverse NAT) so their entries make room; then the
// make-before-break sequence for new and changed frontends; orphans last.
enum Step : int {
  kDelMasters,
  kDelSlots,
  kDelRevNat,
  kPutBackends,
  kPutSlots,
  kPutRevNat,
  kPutMasters,
  kDelSurplusSlots,
  kDelOrphanRevNat,
  kDelBackends,
  kNumSteps,
};

constexpr const char* kStepNames[kNumSteps] = {
    "delete removed masters", "delete removed slots", "delete removed reverse NAT",
    "write backends",         "write slots",          "write reverse NAT",
    "write masters",          "delete surplus slots", "delete orphan reverse NAT",
    "delete orphan backends",
};

bool IsDelete(Step s) {
  return s == kDelMasters || s == kDelSlots || s == kDelRevNat || s == kDelSurplusSlots ||
         s == kDelOrphanRevNat || s == kDelBackends;
}

MapId StepMap(Step s, Family f) {
  switch (s) {
    case kPutBackends:
    case kDelBackends:
      return BackendsMap(f);
    case kDelRevNat:
    case kPutRevNat:
    case kDelOrphanRevNat:
      return RevNatMap(f);
    default:
      return ServicesMap(f);
  }
}

int FamIdx(Family f) { return f == Family::kV4 ? 0 : 1; }
Family IdxFam(int i) { return i == 0 ? Family::kV4 : Family::kV6; }

void Append(std::vector<uint8_t>* out, const void* p, size_t n) {
  const size_t at = out->size();
  out->resize(at + n);
  std::memcpy(out->data() + at, p, n);
}

template <typename Entry>
void AppendEntry(std::vector<uint8_t>* out, const Entry& e) {
  Append(out, &e, sizeof(e));
}

void AppendServiceKey(std::vector<uint8_t>* out, const Address& a, uint16_t port, uint16_t slot,
                      uint8_t proto, uint8_t scope) {
  if (a.family == Family::kV4) {
    AppendEntry(out, EncodeKey4(a, port, slot, proto, scope));
  } else {
    AppendEntry(out, EncodeKey6(a, port, slot, proto, scope));
  }
}

void AppendService(std::vector<uint8_t>* out, const gwapi_lb_service& v) { AppendEntry(out, v); }

void AppendBackend(std::vector<uint8_t>* out, const Address& a, uint16_t port, uint8_t proto,
                   uint8_t state) {
  if (a.family == Family::kV4) {
    AppendEntry(out, EncodeBackend4(a, port, proto, state));
  } else {
    AppendEntry(out, EncodeBackend6(a, port, proto, state));
  }
}

void AppendRevNat(std::vector<uint8_t>* out, const Address& a, uint16_t port) {
  if (a.family == Family::kV4) {
    AppendEntry(out, EncodeRevNat4(a, port));
  } else {
    AppendEntry(out, EncodeRevNat6(a, port));
  }
}

void AppendRevNatKey(std::vector<uint8_t>* out, uint16_t rev) {
  AppendEntry(out, EncodeRevNatKey(rev));
}

void AppendBackendKey(std::vector<uint8_t>* out, uint32_t id) {
  AppendEntry<gwapi_lb_backend_key>(out, id);
}

}  // namespace

// The map operations of one step on one map, with what to put back if the
// Sync has to be undone.
struct Batch {
  MapId map = MapId::kServices4;
  bool del = false;
  uint32_t n = 0;
  uint32_t new_keys = 0;  // puts of keys not in the map before
  std::vector<uint8_t> keys;
  std::vector<uint8_t> values;  // puts only
  // Values before, only for entries with had_old (in order): a full sync
  // into empty maps then writes no zero padding (BM_LbSync_Full).
  std::vector<uint8_t> old_values;
  std::vector<uint8_t> had_old;

  // Call after appending the key (and value, for a put) and, if the key
  // held a value, that old value.
  void Added(bool old) {
    ++n;
    had_old.push_back(old ? 1 : 0);
    if (!old) {
      ++new_keys;
    }
  }
};

struct Writer::Plan {
  Batch batches[kNumSteps][2];
  std::vector<std::pair<FeKey, FrontendState>> changed;
  std::vector<FeKey> removed;
  // Reference changes of backends the Writer already has, by ID.
  struct Delta {
    int32_t active = 0;
    int32_t other = 0;
  };
  absl::flat_hash_map<uint32_t, Delta> deltas;
  // Backends first referenced by this sync. They are entered in the
  // Writer's indexes at once, marked pending and counting their references
  // in place, and taken out again if the sync fails: a second set of
  // indexes for them made a full sync touch megabytes more fresh memory
  // (BM_LbSync_Full).
  std::vector<uint32_t> new_backends;
  std::vector<uint32_t> allocated_rev_nats;
  uint32_t rev_next_before = 0;
  uint32_t backend_next_before = 0;
  struct BackendChange {
    uint32_t id;
    BeKey key;
    uint32_t active_refs;
    uint32_t other_refs;
    bool in_map;
    uint8_t state;
  };
  std::vector<BackendChange> backend_changes;
  std::vector<uint16_t> released_rev_nats;
  // Per-frontend scratch, reused to keep allocation off the plan loop.
  std::vector<uint32_t> slot_idx;
  std::vector<uint32_t> ids;
  std::vector<Writer::BackendEntry*> ref_new;

  Batch& At(Step s, Family f) { return batches[s][FamIdx(f)]; }
};

bool IdAllocator::Reserve(uint32_t id) {
  if (id < first_ || id > last_) return false;
  if (!used_.insert(id).second) return false;
  if (id >= next_) next_ = id == last_ ? first_ : id + 1;
  return true;
}

absl::StatusOr<uint32_t> IdAllocator::Allocate() {
  if (used_.size() >= static_cast<uint64_t>(last_) - first_ + 1) {
    return absl::ResourceExhaustedError(
        absl::StrCat("all IDs in [", first_, ", ", last_, "] are in use"));
  }
  for (;;) {
    const uint32_t id = next_;
    next_ = id == last_ ? first_ : id + 1;
    if (used_.insert(id).second) return id;
  }
}

absl::StatusOr<uint32_t> Writer::AllocateBackendId() {
  // Scans forward from the last ID handed out, as IdAllocator does, with
  // the backends index as the set of IDs in use.
  for (uint64_t tried = 0; tried <= kLastBackendId - kFirstBackendId; ++tried) {
    const uint32_t id = next_backend_id_;
    next_backend_id_ = id == kLastBackendId ? kFirstBackendId : id + 1;
    if (!backends_.contains(id)) return id;
  }
  return absl::ResourceExhaustedError("all backend IDs are in use");
}

uint8_t Writer::PendingState(const BackendEntry& b) {
  return b.active_refs > 0 ? GWAPI_LB_BE_STATE_ACTIVE : GWAPI_LB_BE_STATE_TERMINATING;
}

absl::StatusOr<std::unique_ptr<Writer>> Writer::Create(MapBackend* backend, WriterOptions options) {
  if (backend == nullptr) return absl::InvalidArgumentError("Writer needs a MapBackend");
  std::unique_ptr<Writer> w(new Writer(backend, options));
  GWAPI_RETURN_IF_ERROR(w->Restore());
  return w;
}

void Writer::Reset() {
  frontends_.clear();
  backends_.clear();
  backend_ids_.clear();
  rev_nat_ids_ = IdAllocator(1, 0xFFFE);
  next_backend_id_ = kFirstBackendId;
  orphan_rev_nat_.clear();
  orphan_backend_entries_.clear();
  cleanup_pending_ = false;
  map_counts_.fill(0);
}

absl::StatusOr<MapDump> Writer::DumpCounted(MapId map) {
  GWAPI_ASSIGN_OR_RETURN(MapDump d, DumpMap(*backend_, map));
  map_counts_[static_cast<int>(map)] = d.size();
  return d;
}

absl::Status Writer::Restore() {
  Reset();
  for (int fi = 0; fi < 2; ++fi) {
    const Family fam = IdxFam(fi);
    // Backends first: slots are resolved against them.
    {
      GWAPI_ASSIGN_OR_RETURN(const MapDump d, DumpCounted(BackendsMap(fam)));
      for (size_t i = 0; i < d.size(); ++i) {
        uint32_t id;
        std::memcpy(&id, d.key(i), sizeof(id));
        const uint8_t* v = d.value(i);
        const BackendFields b = DecodeBackend(fam, v);
        BackendEntry st;
        st.in_map = true;
        st.key.address = b.address;
        st.key.port = b.port;
        st.key.proto = b.proto;
        st.map_state = b.state;
        st.map_canonical = b.canonical;
        if (id < kFirstBackendId || id > kLastBackendId || backends_.contains(id)) {
          // Same ID in both families' maps (or ID 0): the later one goes.
          orphan_backend_entries_.push_back(Orphan{
              fam, id, false, std::string(reinterpret_cast<const char*>(v), d.spec.value_size)});
          cleanup_pending_ = true;
          continue;
        }
        // Duplicates of one address (a leak) keep the lowest ID.
        auto [it, inserted] = backend_ids_.try_emplace(st.key, id);
        if (!inserted && id < it->second) it->second = id;
        backends_.emplace(id, st);
        // As Cilium does: continue after the highest restored ID.
        if (id >= next_backend_id_)
          next_backend_id_ = id == kLastBackendId ? kFirstBackendId : id + 1;
      }
    }
    absl::flat_hash_map<uint16_t, FeKey> by_rev;
    {
      GWAPI_ASSIGN_OR_RETURN(const MapDump d, DumpCounted(ServicesMap(fam)));
      const size_t n = d.size();
      std::vector<std::pair<FeKey, uint16_t>> decoded(n);
      for (size_t i = 0; i < n; ++i) {
        const ServiceKeyFields key = DecodeServiceKey(fam, d.key(i));
        FeKey& k = decoded[i].first;
        k.address = key.address;
        k.port = key.port;
        k.proto = key.proto;
        k.scope = key.scope;
        decoded[i].second = key.slot;
      }
      // Masters first, so slots know their frontend's rev-NAT index.
      for (size_t i = 0; i < n; ++i) {
        if (decoded[i].second != 0) continue;
        FrontendState& st = frontends_[decoded[i].first];
        std::memcpy(&st.master, d.value(i), sizeof(st.master));
        st.master_in_map = true;
        const uint16_t rev = ntohs(st.master.rev_nat_index);
        if (rev_nat_ids_.Reserve(rev)) {
          st.rev_nat = rev;
          by_rev[rev] = decoded[i].first;
        }
      }
      for (size_t i = 0; i < n; ++i) {
        const uint16_t slot = decoded[i].second;
        if (slot == 0) continue;
        FrontendState& st = frontends_[decoded[i].first];
        gwapi_lb_service v;
        std::memcpy(&v, d.value(i), sizeof(v));
        if (st.slots.size() < slot) st.slots.resize(slot, 0);
        st.slots[slot - 1] = v.backend_id;
        if (st.rev_nat == 0 || v.rev_nat_index != htons(st.rev_nat) || v.count != 0 ||
            v.flags != 0 || v.flags2 != 0 || v.qcount != 0 || v.backend_id == 0) {
          st.slots_canonical = false;
        }
      }
    }
    {
      GWAPI_ASSIGN_OR_RETURN(const MapDump d, DumpCounted(RevNatMap(fam)));
      for (size_t i = 0; i < d.size(); ++i) {
        gwapi_lb_reverse_nat_key rk;
        std::memcpy(&rk, d.key(i), sizeof(rk));
        const uint16_t rev = ntohs(rk);
        auto it = by_rev.find(rev);
        if (it == by_rev.end()) {
          // Held until the orphan is deleted, unless the other family's
          // frontend already holds it.
          const bool reserved = rev_nat_ids_.Reserve(rev);
          orphan_rev_nat_.push_back(
              Orphan{fam, rev, reserved,
                     std::string(reinterpret_cast<const char*>(d.value(i)), d.spec.value_size)});
          cleanup_pending_ = true;
          continue;
        }
        FrontendState& st = frontends_[it->second];
        std::vector<uint8_t> want;
        AppendRevNat(&want, it->second.address, it->second.port);
        st.revnat_in_map = true;
        st.revnat_exact = std::memcmp(want.data(), d.value(i), d.spec.value_size) == 0;
      }
    }
  }
  // References from restored slots; terminating backends have no slot and
  // are claimed again by the first Sync, which deletes what nobody claims.
  for (auto& [key, st] : frontends_) {
    const uint16_t count = st.master_in_map ? st.master.count : 0;
    for (size_t i = 0; i < st.slots.size(); ++i) {
      const uint32_t id = st.slots[i];
      if (id == 0 || !backends_.contains(id)) continue;
      const bool active = i < count;
      auto r = std::find_if(st.refs.begin(), st.refs.end(),
                            [id](const BackendRef& x) { return x.id == id; });
      if (r == st.refs.end()) {
        st.refs.push_back({id, active});
      } else {
        r->active |= active;
      }
    }
    for (const BackendRef& r : st.refs) {
      BackendEntry& b = backends_[r.id];
      (r.active ? b.active_refs : b.other_refs) += 1;
    }
    if (st.rev_nat == 0 || !st.master_in_map || !st.slots_canonical || !st.revnat_exact) {
      cleanup_pending_ = true;
    }
  }
  for (const auto& [id, b] : backends_) {
    if (b.active_refs + b.other_refs == 0) cleanup_pending_ = true;
  }
  return absl::OkStatus();
}

std::optional<uint16_t> Writer::RevNatIndex(const Address& address, uint16_t port,
                                            Protocol protocol) const {
  auto it = frontends_.find(FeKey{address, port, EncodedProto(protocol), 0});
  if (it == frontends_.end() || it->second.rev_nat == 0) return std::nullopt;
  return it->second.rev_nat;
}

std::optional<uint32_t> Writer::BackendId(const Address& address, uint16_t port,
                                          Protocol protocol) const {
  auto it = backend_ids_.find(BeKey{address, port, EncodedProto(protocol)});
  if (it == backend_ids_.end()) return std::nullopt;
  return it->second;
}

absl::Status Writer::PlanFrontend(const Frontend& f, const FeKey& key, const FrontendState* old,
                                  Plan* plan) {
  const Family fam = f.address.family;
  FrontendState ns;
  if (old != nullptr && old->rev_nat != 0) {
    ns.rev_nat = old->rev_nat;
  } else {
    GWAPI_ASSIGN_OR_RETURN(uint32_t rev, rev_nat_ids_.Allocate());
    plan->allocated_rev_nats.push_back(rev);
    ns.rev_nat = static_cast<uint16_t>(rev);
  }
  std::vector<uint32_t>& slot_idx = plan->slot_idx;
  ExpandSlots(f.backends, options_.max_slots_per_frontend, &slot_idx);
  if (slot_idx.size() > 0xFFFF) {
    return absl::InvalidArgumentError(absl::StrCat("frontend ", f.address.ToString(), ":", f.port,
                                                   " needs ", slot_idx.size(),
                                                   " slots; at most 65535 fit"));
  }
  std::vector<uint32_t>& ids = plan->ids;
  ids.resize(f.backends.size());
  // Per entry of ns.refs: the pending entry of a backend new in this sync,
  // or null. Pointers stay valid: Sync reserved room for every new backend.
  std::vector<BackendEntry*>& ref_new = plan->ref_new;
  ref_new.resize(f.backends.size());
  ns.refs.reserve(f.backends.size());
  for (size_t i = 0; i < f.backends.size(); ++i) {
    const Backend& b = f.backends[i];
    const BeKey bk{b.address, b.port, EncodedProto(b.protocol)};
    uint32_t id;
    BackendEntry* pending = nullptr;
    auto [it, inserted] = backend_ids_.try_emplace(bk, 0);
    if (inserted) {
      absl::StatusOr<uint32_t> fresh = AllocateBackendId();
      if (!fresh.ok()) {
        backend_ids_.erase(it);
        return fresh.status();
      }
      id = it->second = *fresh;
      pending = &backends_[id];
      pending->key = bk;
      pending->pending = true;
      plan->new_backends.push_back(id);
    } else {
      id = it->second;
      if (!plan->new_backends.empty()) {
        // Shared with a frontend planned earlier in this sync?
        auto bit = backends_.find(id);
        if (bit != backends_.end() && bit->second.pending) pending = &bit->second;
      }
    }
    ids[i] = id;
    const bool active = b.state == BackendState::kActive;
    bool merged = false;
    for (BackendRef& r : ns.refs) {
      if (r.id == id) {
        r.active |= active;
        merged = true;
        break;
      }
    }
    if (!merged) {
      ref_new[ns.refs.size()] = pending;
      ns.refs.push_back({id, active});
    }
  }
  ns.slots.resize(slot_idx.size());
  for (size_t s = 0; s < slot_idx.size(); ++s) ns.slots[s] = ids[slot_idx[s]];
  ns.master =
      EncodeMaster(f.type, f.l7_proxy_port, static_cast<uint16_t>(ns.slots.size()), ns.rev_nat);
  ns.master_in_map = true;
  ns.revnat_in_map = true;
  ns.revnat_exact = true;
  ns.slots_canonical = true;

  // Slots 1..N that differ, and surplus slots of the old state.
  const size_t old_n = old ? old->slots.size() : 0;
  const bool rewrite_all = old && (!old->slots_canonical || old->rev_nat != ns.rev_nat);
  for (size_t i = 0; i < std::max(old_n, ns.slots.size()); ++i) {
    const uint32_t new_id = i < ns.slots.size() ? ns.slots[i] : 0;
    const uint32_t old_id = i < old_n ? old->slots[i] : 0;
    const uint16_t slot = static_cast<uint16_t>(i + 1);
    if (new_id != 0) {
      if (new_id == old_id && !rewrite_all) continue;
      Batch& b = plan->At(kPutSlots, fam);
      AppendServiceKey(&b.keys, key.address, key.port, slot, key.proto, key.scope);
      AppendService(&b.values, EncodeSlot(new_id, ns.rev_nat));
      if (old_id != 0) AppendService(&b.old_values, EncodeSlot(old_id, old->rev_nat));
      b.Added(old_id != 0);
    } else if (old_id != 0) {
      Batch& b = plan->At(kDelSurplusSlots, fam);
      AppendServiceKey(&b.keys, key.address, key.port, slot, key.proto, key.scope);
      AppendService(&b.old_values, EncodeSlot(old_id, old->rev_nat));
      b.Added(true);
    }
  }
  if (!old || !old->revnat_in_map || !old->revnat_exact || old->rev_nat != ns.rev_nat) {
    // A restored frontend without its own index never owned the entry
    // under the new one, so there is nothing to put back but a delete.
    const bool had = old && old->revnat_in_map && old->rev_nat == ns.rev_nat;
    Batch& b = plan->At(kPutRevNat, fam);
    AppendRevNatKey(&b.keys, ns.rev_nat);
    AppendRevNat(&b.values, key.address, key.port);
    if (had) AppendRevNat(&b.old_values, key.address, key.port);
    b.Added(had);
  }
  if (!old || !old->master_in_map ||
      std::memcmp(&old->master, &ns.master, sizeof(ns.master)) != 0) {
    Batch& b = plan->At(kPutMasters, fam);
    AppendServiceKey(&b.keys, key.address, key.port, 0, key.proto, key.scope);
    AppendService(&b.values, ns.master);
    const bool had = old && old->master_in_map;
    if (had) AppendService(&b.old_values, old->master);
    b.Added(had);
  }
  if (old) {
    for (const BackendRef& r : old->refs) {
      Plan::Delta& d = plan->deltas[r.id];
      (r.active ? d.active : d.other) -= 1;
    }
  }
  for (size_t k = 0; k < ns.refs.size(); ++k) {
    const BackendRef& r = ns.refs[k];
    if (ref_new[k] != nullptr) {
      (r.active ? ref_new[k]->active_refs : ref_new[k]->other_refs) += 1;
    } else {
      Plan::Delta& d = plan->deltas[r.id];
      (r.active ? d.active : d.other) += 1;
    }
  }
  ns.applied = f;
  plan->changed.emplace_back(key, std::move(ns));
  return absl::OkStatus();
}

void Writer::PlanRemoval(const FeKey& key, const FrontendState& old, Plan* plan) {
  const Family fam = key.address.family;
  if (old.master_in_map) {
    Batch& b = plan->At(kDelMasters, fam);
    AppendServiceKey(&b.keys, key.address, key.port, 0, key.proto, key.scope);
    AppendService(&b.old_values, old.master);
    b.Added(true);
  }
  for (size_t i = 0; i < old.slots.size(); ++i) {
    if (old.slots[i] == 0) continue;
    Batch& b = plan->At(kDelSlots, fam);
    AppendServiceKey(&b.keys, key.address, key.port, static_cast<uint16_t>(i + 1), key.proto,
                     key.scope);
    AppendService(&b.old_values, EncodeSlot(old.slots[i], old.rev_nat));
    b.Added(true);
  }
  if (old.revnat_in_map && old.rev_nat != 0) {
    Batch& b = plan->At(kDelRevNat, fam);
    AppendRevNatKey(&b.keys, old.rev_nat);
    AppendRevNat(&b.old_values, key.address, key.port);
    b.Added(true);
  }
  for (const BackendRef& r : old.refs) {
    Plan::Delta& d = plan->deltas[r.id];
    (r.active ? d.active : d.other) -= 1;
  }
  if (old.rev_nat != 0) plan->released_rev_nats.push_back(old.rev_nat);
  plan->removed.push_back(key);
}

absl::Status Writer::PlanBackends(Plan* plan) {
  if (cleanup_pending_) {
    // Unclaimed restored backends are judged with the rest.
    for (const auto& [id, b] : backends_) {
      if (b.active_refs + b.other_refs == 0) plan->deltas.try_emplace(id);
    }
    for (const Orphan& o : orphan_rev_nat_) {
      Batch& b = plan->At(kDelOrphanRevNat, o.family);
      AppendRevNatKey(&b.keys, static_cast<uint16_t>(o.key));
      Append(&b.old_values, o.value.data(), o.value.size());
      b.Added(true);
    }
    for (const Orphan& o : orphan_backend_entries_) {
      Batch& b = plan->At(kDelBackends, o.family);
      AppendBackendKey(&b.keys, o.key);
      Append(&b.old_values, o.value.data(), o.value.size());
      b.Added(true);
    }
  }
  plan->backend_changes.reserve(plan->deltas.size());
  for (uint32_t id : plan->new_backends) {
    const BackendEntry& nb = backends_.at(id);
    Batch& b = plan->At(kPutBackends, nb.key.address.family);
    AppendBackendKey(&b.keys, id);
    AppendBackend(&b.values, nb.key.address, nb.key.port, nb.key.proto, PendingState(nb));
    b.Added(false);
  }
  for (const auto& [id, d] : plan->deltas) {
    auto it = backends_.find(id);
    const BackendEntry* cur = it == backends_.end() ? nullptr : &it->second;
    const int64_t active = (cur ? cur->active_refs : 0) + d.active;
    const int64_t other = (cur ? cur->other_refs : 0) + d.other;
    if (active < 0 || other < 0) {
      return absl::InternalError(absl::StrCat("backend ", id, " reference count below zero"));
    }
    if (!cur) return absl::InternalError(absl::StrCat("unknown backend ", id));
    const BeKey& key = cur->key;
    const Family fam = key.address.family;
    Plan::BackendChange ch{id,
                           key,
                           static_cast<uint32_t>(active),
                           static_cast<uint32_t>(other),
                           cur && cur->in_map,
                           cur ? cur->map_state : uint8_t{0}};
    if (active + other > 0) {
      const uint8_t state = active > 0 ? GWAPI_LB_BE_STATE_ACTIVE : GWAPI_LB_BE_STATE_TERMINATING;
      if (!cur || !cur->in_map || cur->map_state != state || !cur->map_canonical) {
        Batch& b = plan->At(kPutBackends, fam);
        AppendBackendKey(&b.keys, id);
        AppendBackend(&b.values, key.address, key.port, key.proto, state);
        const bool had = cur && cur->in_map;
        if (had) AppendBackend(&b.old_values, key.address, key.port, key.proto, cur->map_state);
        b.Added(had);
      }
      ch.in_map = true;
      ch.state = state;
    } else if (cur && cur->in_map) {
      Batch& b = plan->At(kDelBackends, fam);
      AppendBackendKey(&b.keys, id);
      AppendBackend(&b.old_values, key.address, key.port, key.proto, cur->map_state);
      b.Added(true);
      ch.in_map = false;
    }
    plan->backend_changes.push_back(ch);
  }
  return absl::OkStatus();
}

absl::Status Writer::CheckCapacity(const Plan& plan) const {
  for (int fi = 0; fi < 2; ++fi) {
    const Family fam = IdxFam(fi);
    auto count = [&](MapId m) { return map_counts_[static_cast<int>(m)]; };
    auto removed = [&](Step s) { return static_cast<int64_t>(plan.batches[s][fi].n); };
    auto added = [&](Step s) { return static_cast<int64_t>(plan.batches[s][fi].new_keys); };
    // Peak occupancy: removed frontends go before anything is added, every
    // other delete comes after all additions.
    const std::pair<MapId, int64_t> peaks[] = {
        {ServicesMap(fam), count(ServicesMap(fam)) - removed(kDelMasters) - removed(kDelSlots) +
                               added(kPutSlots) + added(kPutMasters)},
        {BackendsMap(fam), count(BackendsMap(fam)) + added(kPutBackends)},
        {RevNatMap(fam), count(RevNatMap(fam)) - removed(kDelRevNat) + added(kPutRevNat)},
    };
    for (const auto& [map, peak] : peaks) {
      const uint32_t max = backend_->MaxEntries(map);
      if (peak > max) {
        const char* option = map == ServicesMap(fam)   ? "MapSizes::services"
                             : map == BackendsMap(fam) ? "MapSizes::backends"
                                                       : "MapSizes::rev_nat";
        return absl::ResourceExhaustedError(absl::StrCat(
            GetMapSpec(map).name, " would need ", peak, " entries but max_entries is ", max,
            "; raise ", option, " (Cilium: --bpf-lb-map-max); nothing was written"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Writer::Execute(Plan* plan, bool* undo_failed) {
  std::vector<Batch*> done;
  for (int s = 0; s < kNumSteps; ++s) {
    for (int fi = 0; fi < 2; ++fi) {
      Batch& b = plan->batches[s][fi];
      if (b.n == 0) continue;
      ++stats_.backend_calls;
      absl::Status st = b.del ? backend_->Delete(b.map, b.keys.data(), b.n, false)
                              : backend_->Update(b.map, b.keys.data(), b.values.data(), b.n);
      done.push_back(&b);
      if (st.ok()) {
        (b.del ? stats_.entries_deleted : stats_.entries_written) += b.n;
        continue;
      }
      // Undo in reverse order, which is again make-before-break.
      absl::Status undo;
      for (auto it = done.rbegin(); it != done.rend(); ++it) {
        Batch& u = **it;
        const MapSpec& spec = GetMapSpec(u.map);
        if (u.del) {
          undo.Update(backend_->Update(u.map, u.keys.data(), u.old_values.data(), u.n));
          continue;
        }
        std::vector<uint8_t> rk, dk;
        for (uint32_t i = 0; i < u.n; ++i) {
          const uint8_t* k = &u.keys[i * spec.key_size];
          if (u.had_old[i]) {
            Append(&rk, k, spec.key_size);
          } else {
            Append(&dk, k, spec.key_size);
          }
        }
        undo.Update(
            backend_->Update(u.map, rk.data(), u.old_values.data(), rk.size() / spec.key_size));
        undo.Update(backend_->Delete(u.map, dk.data(), dk.size() / spec.key_size, true));
      }
      const std::string where = absl::StrCat("LB sync failed at \"", kStepNames[s], "\" (",
                                             GetMapSpec(b.map).name, "): ", st.message());
      if (!undo.ok()) {
        *undo_failed = true;
        return absl::Status(st.code(),
                            absl::StrCat(where, "; undoing the sync failed too (", undo.message(),
                                         "); the maps may be inconsistent"));
      }
      return absl::Status(st.code(),
                          absl::StrCat(where, "; every frontend was left in its previous state"));
    }
  }
  return absl::OkStatus();
}

void Writer::Abandon(Plan* plan) {
  for (uint32_t id : plan->allocated_rev_nats) rev_nat_ids_.Release(id);
  for (uint32_t id : plan->new_backends) {
    auto it = backends_.find(id);
    if (it == backends_.end()) continue;
    backend_ids_.erase(it->second.key);
    backends_.erase(it);
  }
  plan->new_backends.clear();
  rev_nat_ids_.set_next(plan->rev_next_before);
  next_backend_id_ = plan->backend_next_before;
}

void Writer::Commit(Plan* plan) {
  for (auto& [key, st] : plan->changed) frontends_.insert_or_assign(key, std::move(st));
  for (const FeKey& key : plan->removed) frontends_.erase(key);
  for (uint16_t rev : plan->released_rev_nats) rev_nat_ids_.Release(rev);
  for (uint32_t id : plan->new_backends) {
    BackendEntry& b = backends_.at(id);
    b.pending = false;
    b.in_map = true;
    b.map_state = PendingState(b);
    b.map_canonical = true;
  }
  for (const Plan::BackendChange& ch : plan->backend_changes) {
    if (ch.active_refs + ch.other_refs == 0) {
      backends_.erase(ch.id);
      auto it = backend_ids_.find(ch.key);
      if (it != backend_ids_.end() && it->second == ch.id) backend_ids_.erase(it);
      continue;
    }
    BackendEntry& b = backends_[ch.id];
    b.key = ch.key;
    b.active_refs = ch.active_refs;
    b.other_refs = ch.other_refs;
    b.in_map = ch.in_map;
    b.map_state = ch.state;
    b.map_canonical = true;
  }
  if (cleanup_pending_) {
    for (const Orphan& o : orphan_rev_nat_) {
      if (o.reserved) rev_nat_ids_.Release(o.key);
    }
    orphan_rev_nat_.clear();
    orphan_backend_entries_.clear();
    cleanup_pending_ = false;
  }
  for (int s = 0; s < kNumSteps; ++s) {
    for (int fi = 0; fi < 2; ++fi) {
      const Batch& b = plan->batches[s][fi];
      map_counts_[static_cast<int>(b.map)] += b.del ? -static_cast<int64_t>(b.n) : b.new_keys;
    }
  }
}

absl::Status Writer::Sync(const DesiredState& desired) {
  stats_ = SyncStats();
  Plan plan;
  for (int s = 0; s < kNumSteps; ++s) {
    for (int fi = 0; fi < 2; ++fi) {
      plan.batches[s][fi].map = StepMap(static_cast<Step>(s), IdxFam(fi));
      plan.batches[s][fi].del = IsDelete(static_cast<Step>(s));
    }
  }
  plan.rev_next_before = rev_nat_ids_.next();
  plan.backend_next_before = next_backend_id_;

  // Frontends are planned in input order, so IDs are assigned
  // deterministically. Existing frontends are marked with this sync's epoch
  // instead of being collected in a set: with 10,000 frontends the set
  // cost more than everything else an unchanged sync does
  // (BM_LbSync_OnePercent).
  ++epoch_;
  absl::flat_hash_set<FeKey> added;
  size_t kept = 0;  // existing frontends wanted again
  std::vector<std::pair<const Frontend*, FrontendState*>> changed;
  absl::Status status;
  for (const Frontend& f : desired.frontends) {
    // Built only for messages: formatting every address costs more than
    // the rest of an unchanged frontend's check.
    auto name = [&f] { return absl::StrCat(f.address.ToString(), ":", f.port); };
    if (f.port == 0) {
      status = absl::InvalidArgumentError(absl::StrCat("frontend ", name(), ": port 0"));
      break;
    }
    if ((f.type == FrontendType::kL7LoadBalancer) != (f.l7_proxy_port != 0)) {
      status = absl::InvalidArgumentError(absl::StrCat(
          "frontend ", name(), ": an L7 load-balancer frontend needs a proxy port, others none"));
      break;
    }
    for (const Backend& b : f.backends) {
      if (b.address.family != f.address.family || b.port == 0) {
        status = absl::InvalidArgumentError(
            absl::StrCat("frontend ", name(), ": backend ", b.address.ToString(), ":", b.port,
                         " must have the frontend's address family and a port"));
        break;
      }
    }
    if (!status.ok()) break;
    const FeKey key{f.address, f.port, EncodedProto(f.protocol), 0};
    FrontendState* old = nullptr;
    bool duplicate;
    if (auto it = frontends_.find(key); it != frontends_.end()) {
      old = &it->second;
      duplicate = old->seen == epoch_;
      old->seen = epoch_;
      ++kept;
    } else {
      duplicate = !added.insert(key).second;
    }
    if (duplicate) {
      status = absl::InvalidArgumentError(
          absl::StrCat("frontend ", name(), " appears twice",
                       options_.protocol_differentiation ? "" : " (protocols are not told apart)"));
      break;
    }
    if (old && old->applied && *old->applied == f) continue;
    changed.emplace_back(&f, old);
  }
  if (!status.ok()) return status;

  size_t changed_backends = 0, old_refs = 0;
  size_t fam_frontends[2] = {0, 0}, fam_backends[2] = {0, 0};
  for (const auto& [f, old] : changed) {
    changed_backends += f->backends.size();
    if (old) old_refs += old->refs.size();
    const int fi = FamIdx(f->address.family);
    ++fam_frontends[fi];
    fam_backends[fi] += f->backends.size();
  }
  // Sized up front: growing the buffers of a 220,000-entry full sync
  // copied them several times (BM_LbSync_Full).
  for (int fi = 0; fi < 2; ++fi) {
    auto reserve = [&](Step step, size_t n) {
      Batch& b = plan.batches[step][fi];
      const MapSpec& spec = GetMapSpec(b.map);
      b.keys.reserve(n * spec.key_size);
      b.values.reserve(n * spec.value_size);
      b.had_old.reserve(n);
    };
    reserve(kPutSlots, fam_backends[fi]);
    reserve(kPutBackends, fam_backends[fi]);
    reserve(kPutMasters, fam_frontends[fi]);
    reserve(kPutRevNat, fam_frontends[fi]);
  }
  plan.changed.reserve(changed.size());
  plan.deltas.reserve(old_refs);
  plan.new_backends.reserve(changed_backends);
  // Room for every backend this sync may add, so no rehash moves the
  // pending entries PlanFrontend points at.
  backends_.reserve(backends_.size() + changed_backends);
  backend_ids_.reserve(backend_ids_.size() + changed_backends);
  rev_nat_ids_.ReserveCapacity(frontends_.size() + changed.size());
  for (const auto& [f, old] : changed) {
    status = PlanFrontend(*f, FeKey{f->address, f->port, EncodedProto(f->protocol), 0}, old, &plan);
    if (!status.ok()) break;
  }
  if (status.ok()) {
    // Every existing frontend wanted again means nothing to remove.
    if (kept != frontends_.size()) {
      for (const auto& [key, st] : frontends_) {
        if (st.seen != epoch_) PlanRemoval(key, st, &plan);
      }
    }
    status = PlanBackends(&plan);
  }
  if (status.ok()) status = CheckCapacity(plan);
  bool undo_failed = false;
  if (status.ok()) status = Execute(&plan, &undo_failed);
  if (!status.ok()) {
    Abandon(&plan);
    if (undo_failed) {
      // The maps are no longer what this Writer believes: read them again.
      absl::Status reread = Restore();
      if (!reread.ok()) {
        return absl::Status(
            status.code(),
            absl::StrCat(status.message(), "; re-reading the maps failed: ", reread.message()));
      }
    }
    return status;
  }
  stats_.frontends_changed = plan.changed.size();
  stats_.frontends_removed = plan.removed.size();
  Commit(&plan);
  return absl::OkStatus();
}

}  // namespace gwapi::lb
