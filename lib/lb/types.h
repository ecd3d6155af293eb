// Desired load-balancer state: frontends (a VIP and port) and the backends
// they spread connections over. This stage knows nothing of the Gateway API;
// callers translate their objects into these plain values.
#ifndef GWAPI_LIB_LB_TYPES_H_
#define GWAPI_LIB_LB_TYPES_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gwapi::lb {

enum class Family : uint8_t { kV4, kV6 };

// An IPv4 or IPv6 address in network byte order. IPv4 uses bytes[0..3] and
// leaves the rest zero, so equality and hashing work on the whole value.
// Thread-safety: a value type.
struct Address {
  Family family = Family::kV4;
  std::array<uint8_t, 16> bytes{};

  static Address V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text.
  static absl::StatusOr<Address> Parse(absl::string_view text);
  std::string ToString() const;

  friend bool operator==(const Address& a, const Address& b) {
    // Two word compares, not a memcmp call: an unchanged sync compares
    // every frontend's addresses (BM_LbSync_OnePercent).
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.bytes.data(), 8);
    std::memcpy(&a1, a.bytes.data() + 8, 8);
    std::memcpy(&b0, b.bytes.data(), 8);
    std::memcpy(&b1, b.bytes.data() + 8, 8);
    return a.family == b.family && ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  friend bool operator!=(const Address& a, const Address& b) { return !(a == b); }
  friend bool operator<(const Address& a, const Address& b) {
    return a.family != b.family ? a.family < b.family : a.bytes < b.bytes;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Address& a) {
    // Two words instead of 16 bytes one by one: the Writer hashes every
    // frontend and backend on a sync (BM_LbSync_OnePercent).
    uint64_t lo, hi;
    std::memcpy(&lo, a.bytes.data(), 8);
    std::memcpy(&hi, a.bytes.data() + 8, 8);
    return H::combine(std::move(h), static_cast<uint8_t>(a.family), lo, hi);
  }
};

// IANA protocol numbers. Cilium 1.16 writes 0 (any) into keys and backends;
// see WriterOptions::protocol_differentiation.
enum class Protocol : uint8_t { kAny = 0, kTcp = 6, kUdp = 17, kSctp = 132 };

enum class BackendState : uint8_t {
  kActive,       // selectable: gets slots in proportion to its weight
  kTerminating,  // kept in the backends map for draining flows, never selected
};

struct Backend {
  Address address;
  uint16_t port = 0;
  Protocol protocol = Protocol::kTcp;
  // Relative share of new connections; 0 means none (kept, never selected).
  uint32_t weight = 1;
  BackendState state = BackendState::kActive;

  friend bool operator==(const Backend&, const Backend&) = default;
};

enum class FrontendType : uint8_t {
  kClusterIP,       // in-cluster VIP: no flags (Cilium shows "non-routable")
  kLoadBalancer,    // L4 LoadBalancer VIP: LOADBALANCER | ROUTABLE
  kL7LoadBalancer,  // LoadBalancer VIP redirected to the local L7 proxy port
};

// One frontend: a VIP, port and protocol with its backends. The order of
// backends is kept in the slots, so a stable input order gives stable maps.
struct Frontend {
  Address address;
  uint16_t port = 0;
  Protocol protocol = Protocol::kTcp;
  FrontendType type = FrontendType::kClusterIP;
  // Proxy port for kL7LoadBalancer (required, non-zero); 0 otherwise.
  uint16_t l7_proxy_port = 0;
  std::vector<Backend> backends;

  friend bool operator==(const Frontend&, const Frontend&) = default;
};

// Everything that should be in the maps. A frontend absent from it is
// removed by the next Writer::Sync.
struct DesiredState {
  std::vector<Frontend> frontends;
};

absl::string_view ProtocolName(Protocol p);  // "TCP", "UDP", "SCTP", "ANY"

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_TYPES_H_
