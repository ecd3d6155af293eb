// Reading the LB maps back as `cilium-dbg bpf lb list` shows them.
#ifndef GWAPI_LIB_LB_LIST_H_
#define GWAPI_LIB_LB_LIST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/lb/map_backend.h"
#include "lib/lb/types.h"

namespace gwapi::lb {

// One services-map entry. A master row (slot 0) has the flags and L7 proxy
// port; a slot row names its backend.
struct ListRow {
  Address address;
  uint16_t port = 0;
  uint8_t proto = 0;
  uint8_t scope = 0;
  uint16_t slot = 0;
  uint16_t rev_nat = 0;
  uint16_t count = 0;          // master: selectable slots
  std::string flags;           // master: "LoadBalancer, l7-load-balancer"
  uint16_t l7_proxy_port = 0;  // master: 0 when none
  uint32_t backend_id = 0;     // slot rows
  bool backend_found = false;  // the ID is in the backends map
  Address backend_address;
  uint16_t backend_port = 0;
  uint8_t backend_proto = 0;
  uint8_t backend_state = 0;

  // "172.17.0.64:80/ANY (0)"; IPv6 in brackets; "/i" for internal scope.
  std::string ServiceText() const;
  // Master: "0.0.0.0:0 (5) (0) [LoadBalancer, l7-load-balancer] (L7LB Proxy
  // Port: 12141)"; slot: "10.244.1.46:8080/ANY (7) (1)", or
  // "backend 9 not found".
  std::string BackendText() const;
};

// Every services-map entry of both families, sorted by family, address,
// port, protocol, scope and slot.
absl::StatusOr<std::vector<ListRow>> List(MapBackend& backend);

// The rows as a table with cilium-dbg's titles, "SERVICE ADDRESS" and
// "BACKEND ADDRESS (REVNAT_ID) (SLOT)", one line per row.
std::string FormatList(const std::vector<ListRow>& rows);

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_LIST_H_
