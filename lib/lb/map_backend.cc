#include "lib/lb/map_backend.h"

#include "absl/strings/str_cat.h"
#include "gwapi/lb_abi.h"

namespace gwapi::lb {

const MapSpec& GetMapSpec(MapId map) {
  static constexpr MapSpec kSpecs[kNumMaps] = {
      {GWAPI_LB4_SERVICES_MAP, sizeof(gwapi_lb4_key), sizeof(gwapi_lb_service)},
      {GWAPI_LB4_BACKENDS_MAP, sizeof(gwapi_lb_backend_key), sizeof(gwapi_lb4_backend)},
      {GWAPI_LB4_REVERSE_NAT_MAP, sizeof(gwapi_lb_reverse_nat_key), sizeof(gwapi_lb4_reverse_nat)},
      {GWAPI_LB6_SERVICES_MAP, sizeof(gwapi_lb6_key), sizeof(gwapi_lb_service)},
      {GWAPI_LB6_BACKENDS_MAP, sizeof(gwapi_lb_backend_key), sizeof(gwapi_lb6_backend)},
      {GWAPI_LB6_REVERSE_NAT_MAP, sizeof(gwapi_lb_reverse_nat_key), sizeof(gwapi_lb6_reverse_nat)},
  };
  return kSpecs[static_cast<int>(map)];
}

MapId ServicesMap(Family f) { return f == Family::kV4 ? MapId::kServices4 : MapId::kServices6; }
MapId BackendsMap(Family f) { return f == Family::kV4 ? MapId::kBackends4 : MapId::kBackends6; }
MapId RevNatMap(Family f) { return f == Family::kV4 ? MapId::kRevNat4 : MapId::kRevNat6; }

uint32_t MapSizes::For(MapId map) const {
  switch (map) {
    case MapId::kServices4:
    case MapId::kServices6:
      return services;
    case MapId::kBackends4:
    case MapId::kBackends6:
      return backends;
    case MapId::kRevNat4:
    case MapId::kRevNat6:
      return rev_nat;
  }
  return 0;
}

absl::StatusOr<MapDump> DumpMap(MapBackend& backend, MapId map) {
  MapDump d;
  d.spec = GetMapSpec(map);
  absl::Status s = backend.Dump(map, &d.keys, &d.values);
  if (!s.ok()) return s;
  return d;
}

absl::Status InMemoryMapBackend::MaybeFail() {
  if (fail_after_ < 0) return absl::OkStatus();
  if (fail_after_ == 0) {
    fail_after_ = -1;
    return fail_status_;
  }
  --fail_after_;
  return absl::OkStatus();
}

absl::Status InMemoryMapBackend::Update(MapId map, const void* keys, const void* values,
                                        uint32_t count) {
  ++calls_;
  const MapSpec& spec = GetMapSpec(map);
  auto& m = maps_[static_cast<int>(map)];
  const char* k = static_cast<const char*>(keys);
  const char* v = static_cast<const char*>(values);
  for (uint32_t i = 0; i < count; ++i) {
    std::string key(k + i * spec.key_size, spec.key_size);
    std::string value(v + i * spec.value_size, spec.value_size);
    if (absl::Status s = MaybeFail(); !s.ok()) return s;
    auto it = m.find(key);
    if (it == m.end()) {
      if (m.size() >= sizes_.For(map)) {
        return absl::ResourceExhaustedError(absl::StrCat(spec.name, " is full"));
      }
      m.emplace(key, value);
    } else {
      it->second = value;
    }
    ops_.push_back(Op{map, Op::kUpdate, std::move(key), std::move(value)});
  }
  return absl::OkStatus();
}

absl::Status InMemoryMapBackend::Delete(MapId map, const void* keys, uint32_t count,
                                        bool ignore_missing) {
  ++calls_;
  const MapSpec& spec = GetMapSpec(map);
  auto& m = maps_[static_cast<int>(map)];
  const char* k = static_cast<const char*>(keys);
  for (uint32_t i = 0; i < count; ++i) {
    std::string key(k + i * spec.key_size, spec.key_size);
    if (absl::Status s = MaybeFail(); !s.ok()) return s;
    if (m.erase(key) == 0) {
      if (ignore_missing) continue;
      return absl::NotFoundError(absl::StrCat(spec.name, ": no such key"));
    }
    ops_.push_back(Op{map, Op::kDelete, std::move(key), std::string()});
  }
  return absl::OkStatus();
}

absl::Status InMemoryMapBackend::Dump(MapId map, std::vector<uint8_t>* keys,
                                      std::vector<uint8_t>* values) {
  for (const auto& [k, v] : maps_[static_cast<int>(map)]) {
    keys->insert(keys->end(), k.begin(), k.end());
    values->insert(values->end(), v.begin(), v.end());
  }
  return absl::OkStatus();
}

}  // namespace gwapi::lb
