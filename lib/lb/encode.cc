#include "lib/lb/encode.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <numeric>

#include "absl/strings/str_join.h"

namespace gwapi::lb {

uint8_t ServiceFlags(FrontendType type) {
  switch (type) {
    case FrontendType::kClusterIP:
      return 0;
    case FrontendType::kLoadBalancer:
    case FrontendType::kL7LoadBalancer:
      return GWAPI_LB_SVC_FLAG_LOADBALANCER | GWAPI_LB_SVC_FLAG_ROUTABLE;
  }
  return 0;
}

uint8_t ServiceFlags2(FrontendType type) {
  return type == FrontendType::kL7LoadBalancer ? GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER : 0;
}

uint16_t DecodeL7ProxyPort(const gwapi_lb_service& master) {
  if (!(master.flags2 & GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER)) return 0;
  return ntohs(static_cast<uint16_t>(master.l7_lb_proxy_port));
}

namespace {

// The inverse of encode_internal::PutAddress.
template <typename Entry>
void GetAddress(const Entry& e, Address* a) {
  std::memcpy(a->bytes.data(), reinterpret_cast<const uint8_t*>(&e) + offsetof(Entry, address),
              sizeof(e.address));
}

template <typename Key>
ServiceKeyFields DecodeServiceKeyAs(Family fam, const uint8_t* bytes) {
  Key k;
  std::memcpy(&k, bytes, sizeof(k));
  ServiceKeyFields f;
  f.address.family = fam;
  GetAddress(k, &f.address);
  f.port = ntohs(k.dport);
  f.slot = k.backend_slot;
  f.proto = k.proto;
  f.scope = k.scope;
  return f;
}

template <typename Value>
BackendFields DecodeBackendAs(Family fam, const uint8_t* bytes) {
  Value b;
  std::memcpy(&b, bytes, sizeof(b));
  BackendFields f;
  f.address.family = fam;
  GetAddress(b, &f.address);
  f.port = ntohs(b.port);
  f.proto = b.proto;
  f.state = b.flags;
  f.canonical = b.cluster_id == 0 && b.zone == 0 && b.pad == 0;
  return f;
}

}  // namespace

ServiceKeyFields DecodeServiceKey(Family fam, const uint8_t* key) {
  return fam == Family::kV4 ? DecodeServiceKeyAs<gwapi_lb4_key>(fam, key)
                            : DecodeServiceKeyAs<gwapi_lb6_key>(fam, key);
}

BackendFields DecodeBackend(Family fam, const uint8_t* value) {
  return fam == Family::kV4 ? DecodeBackendAs<gwapi_lb4_backend>(fam, value)
                            : DecodeBackendAs<gwapi_lb6_backend>(fam, value);
}

std::vector<uint32_t> ExpandSlots(const std::vector<Backend>& backends, uint32_t max_slots) {
  std::vector<uint32_t> slots;
  ExpandSlots(backends, max_slots, &slots);
  return slots;
}

void ExpandSlots(const std::vector<Backend>& backends, uint32_t max_slots,
                 std::vector<uint32_t>* out) {
  std::vector<uint32_t>& slots = *out;
  slots.clear();
  uint64_t g = 0;
  uint64_t sum = 0;
  size_t selectable = 0;
  for (const Backend& b : backends) {
    if (b.state != BackendState::kActive || b.weight == 0) continue;
    g = std::gcd(g, static_cast<uint64_t>(b.weight));
    ++selectable;
  }
  if (selectable == 0) return;
  for (const Backend& b : backends) {
    if (b.state == BackendState::kActive && b.weight != 0) sum += b.weight / g;
  }
  const bool scale = max_slots != 0 && sum > max_slots;
  slots.reserve(scale ? max_slots + selectable : sum);
  for (uint32_t i = 0; i < backends.size(); ++i) {
    const Backend& b = backends[i];
    if (b.state != BackendState::kActive || b.weight == 0) continue;
    uint64_t n = b.weight / g;
    if (scale) n = std::max<uint64_t>(1, n * max_slots / sum);
    slots.insert(slots.end(), n, i);
  }
}

std::string ServiceFlagsString(uint8_t flags, uint8_t flags2) {
  // Cilium's SVCType() tests the bits in this order.
  std::vector<const char*> parts;
  if (flags & GWAPI_LB_SVC_FLAG_EXTERNAL_IP) {
    parts.push_back("ExternalIPs");
  } else if (flags & GWAPI_LB_SVC_FLAG_NODEPORT) {
    parts.push_back("NodePort");
  } else if (flags & GWAPI_LB_SVC_FLAG_LOADBALANCER) {
    parts.push_back("LoadBalancer");
  } else if (flags & GWAPI_LB_SVC_FLAG_HOSTPORT) {
    parts.push_back("HostPort");
  } else if (flags2 & GWAPI_LB_SVC_FLAG2_LOCALREDIRECT) {
    parts.push_back("LocalRedirect");
  } else {
    parts.push_back("ClusterIP");
  }
  if (flags & GWAPI_LB_SVC_FLAG_EXT_LOCAL_SCOPE) parts.push_back("Local");
  if (flags2 & GWAPI_LB_SVC_FLAG2_INT_LOCAL_SCOPE) parts.push_back("InternalLocal");
  if (flags2 & GWAPI_LB_SVC_FLAG2_TWO_SCOPES) parts.push_back("two-scopes");
  if (flags & GWAPI_LB_SVC_FLAG_AFFINITY) parts.push_back("sessionAffinity");
  if (!(flags & GWAPI_LB_SVC_FLAG_ROUTABLE)) parts.push_back("non-routable");
  if (flags & GWAPI_LB_SVC_FLAG_SOURCE_RANGE) parts.push_back("check source-range");
  if (flags2 & GWAPI_LB_SVC_FLAG2_NAT_46X64) parts.push_back("46x64");
  if (flags2 & GWAPI_LB_SVC_FLAG2_L7_LOADBALANCER) parts.push_back("l7-load-balancer");
  if (flags2 & GWAPI_LB_SVC_FLAG2_LOOPBACK) parts.push_back("loopback");
  return absl::StrJoin(parts, ", ");
}

}  // namespace gwapi::lb
