// Encoding of desired LB state into the map entries of gwapi/lb_abi.h, and
// the weight-to-slot expansion. Pure functions; the Writer decides which
// entries to write and in what order.
#ifndef GWAPI_LIB_LB_ENCODE_H_
#define GWAPI_LIB_LB_ENCODE_H_

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gwapi/lb_abi.h"
#include "lib/lb/types.h"

namespace gwapi::lb {

// Default bound on the slots one frontend's weights expand to (see
// ExpandSlots).
inline constexpr uint32_t kDefaultMaxSlotsPerFrontend = 256;

// flags / flags2 of a master entry.
uint8_t ServiceFlags(FrontendType type);
uint8_t ServiceFlags2(FrontendType type);

// The entry encoders are inline: out of line they were a fifth of a full
// sync's Writer time (BM_LbSync_FullWriterOnly).
//
// The master entry (slot 0): `count` selectable slots, the rev-NAT index,
// the type's flags and, for kL7LoadBalancer, htons(l7_proxy_port) in the
// union (bytes 2f 6d 00 00 for 12141). A backend slot (1..N) holds the
// backend ID and the frontend's rev-NAT index.
inline gwapi_lb_service EncodeMaster(FrontendType type, uint16_t l7_proxy_port, uint16_t count,
                                     uint16_t rev_nat) {
  gwapi_lb_service v;
  std::memset(&v, 0, sizeof(v));
  // Cilium's writer stores uint32(htons(port)); its datapath reads the low
  // 16 bits as a __be16.
  if (type == FrontendType::kL7LoadBalancer) v.l7_lb_proxy_port = htons(l7_proxy_port);
  v.count = count;
  v.rev_nat_index = htons(rev_nat);
  v.flags = ServiceFlags(type);
  v.flags2 = ServiceFlags2(type);
  return v;
}

inline gwapi_lb_service EncodeSlot(uint32_t backend_id, uint16_t rev_nat) {
  gwapi_lb_service v;
  std::memset(&v, 0, sizeof(v));
  v.backend_id = backend_id;
  v.rev_nat_index = htons(rev_nat);
  return v;
}

namespace encode_internal {

// Copies the address into the entry's address field: 4 bytes in the IPv4
// structs, 16 in the IPv6 ones. Through offsetof, as some structs are packed
// and a pointer to their field would be unaligned.
template <typename Entry>
inline void PutAddress(Entry* e, const Address& a) {
  std::memcpy(reinterpret_cast<uint8_t*>(e) + offsetof(Entry, address), a.bytes.data(),
              sizeof(e->address));
}

template <typename Key>
inline Key EncodeKey(const Address& address, uint16_t port, uint16_t slot, uint8_t proto,
                     uint8_t scope) {
  Key k;
  std::memset(&k, 0, sizeof(k));
  PutAddress(&k, address);
  k.dport = htons(port);
  k.backend_slot = slot;
  k.proto = proto;
  k.scope = scope;
  return k;
}

template <typename Value>
inline Value EncodeBackend(const Address& address, uint16_t port, uint8_t proto, uint8_t state) {
  Value b;
  std::memset(&b, 0, sizeof(b));
  PutAddress(&b, address);
  b.port = htons(port);
  b.proto = proto;
  b.flags = state;
  return b;
}

template <typename Value>
inline Value EncodeRevNat(const Address& address, uint16_t port) {
  Value r;
  std::memset(&r, 0, sizeof(r));
  PutAddress(&r, address);
  r.port = htons(port);
  return r;
}

}  // namespace encode_internal

inline gwapi_lb4_key EncodeKey4(const Address& address, uint16_t port, uint16_t slot, uint8_t proto,
                                uint8_t scope) {
  return encode_internal::EncodeKey<gwapi_lb4_key>(address, port, slot, proto, scope);
}

inline gwapi_lb6_key EncodeKey6(const Address& address, uint16_t port, uint16_t slot, uint8_t proto,
                                uint8_t scope) {
  return encode_internal::EncodeKey<gwapi_lb6_key>(address, port, slot, proto, scope);
}

inline gwapi_lb4_backend EncodeBackend4(const Address& address, uint16_t port, uint8_t proto,
                                        uint8_t state) {
  return encode_internal::EncodeBackend<gwapi_lb4_backend>(address, port, proto, state);
}

inline gwapi_lb6_backend EncodeBackend6(const Address& address, uint16_t port, uint8_t proto,
                                        uint8_t state) {
  return encode_internal::EncodeBackend<gwapi_lb6_backend>(address, port, proto, state);
}

inline gwapi_lb4_reverse_nat EncodeRevNat4(const Address& address, uint16_t port) {
  return encode_internal::EncodeRevNat<gwapi_lb4_reverse_nat>(address, port);
}

inline gwapi_lb6_reverse_nat EncodeRevNat6(const Address& address, uint16_t port) {
  return encode_internal::EncodeRevNat<gwapi_lb6_reverse_nat>(address, port);
}

inline gwapi_lb_reverse_nat_key EncodeRevNatKey(uint16_t rev_nat) { return htons(rev_nat); }

// The L7 proxy port held by a master entry, 0 when it has none.
uint16_t DecodeL7ProxyPort(const gwapi_lb_service& master);

// A services-map key read back from a map of family `fam`
// (gwapi_lb4_key or gwapi_lb6_key bytes), in host byte order.
struct ServiceKeyFields {
  Address address;
  uint16_t port = 0;
  uint16_t slot = 0;
  uint8_t proto = 0;
  uint8_t scope = 0;
};
ServiceKeyFields DecodeServiceKey(Family fam, const uint8_t* key);

// A backends-map value read back (gwapi_lb4_backend or gwapi_lb6_backend
// bytes), in host byte order. `canonical`: cluster_id, zone and padding are
// zero, as this library writes them.
struct BackendFields {
  Address address;
  uint16_t port = 0;
  uint8_t proto = 0;
  uint8_t state = 0;
  bool canonical = false;
};
BackendFields DecodeBackend(Family fam, const uint8_t* value);

// Expands weights into slots, because Cilium's layout has no weight field:
// the datapath picks one of `count` slots uniformly, so a backend's share is
// the number of slots that name it. Returns, per slot in order, an index
// into `backends`. Only active backends with a non-zero weight get slots
// (terminating ones and weight 0 get none). Weights are divided by their
// greatest common divisor; if they still add up to more than `max_slots`,
// each backend gets max(1, floor(weight * max_slots / sum)) slots, so a
// share is exact to 1/max_slots and the total is at most
// max_slots + (number of backends). Equal weights always give one slot per
// backend. A backend's slots are consecutive and backends keep their order.
std::vector<uint32_t> ExpandSlots(const std::vector<Backend>& backends, uint32_t max_slots);
// The same into `*slots` (cleared first), reusing its memory.
void ExpandSlots(const std::vector<Backend>& backends, uint32_t max_slots,
                 std::vector<uint32_t>* slots);

// Cilium's ServiceFlags.String(), the text `cilium-dbg bpf lb list` prints in
// brackets: "LoadBalancer, l7-load-balancer", "ClusterIP, non-routable".
std::string ServiceFlagsString(uint8_t flags, uint8_t flags2);

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_ENCODE_H_
