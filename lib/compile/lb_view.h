// The load-balancer view of a routing snapshot: the frontends and backends
// lib/lb writes into the eBPF maps.
//
// - Every address of a Gateway x every port of its HTTP, HTTPS and TLS
//   listeners is an L7 frontend: traffic goes to the node's proxy, which
//   matches it against the snapshot. It carries Cilium's placeholder
//   backend 192.192.192.192:9999, as Cilium's Gateway Service does, so the
//   entry has count 1 and reads as Cilium's.
// - Every address x port of a TCP or UDP listener is an L4 frontend whose
//   backends are the endpoints of the rule the matcher picks for that port,
//   with the backendRefs' weights spread over their endpoints: no proxy.
// - Every Service a valid backendRef names is a ClusterIP frontend per
//   cluster IP x port, with its endpoints as backends.
// Endpoints that are not ready are left out, except terminating ones, which
// are kept (never selected) so draining connections still reverse-NAT.
// Thread-safety: a pure function of its arguments.
#ifndef GWAPI_LIB_COMPILE_LB_VIEW_H_
#define GWAPI_LIB_COMPILE_LB_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lib/lb/types.h"
#include "lib/route/snapshot.h"

namespace gwapi::compile {

struct LbViewOptions {
  // The node's L7 proxy port (Cilium's default in the reference scenario).
  uint16_t l7_proxy_port = 12141;
  // As lb::WriterOptions::protocol_differentiation. Off (Cilium 1.16), a
  // TCP and a UDP frontend on one address and port are one map entry, so
  // the view keeps the first of them and notes the other.
  bool protocol_differentiation = false;
};

struct LbView {
  lb::DesiredState state;
  // What could not be expressed, one sentence each: an address that is not
  // an IP, two different frontends on one address and port, the weight of
  // invalid backendRefs of an L4 rule (the maps cannot refuse a share).
  std::vector<std::string> notes;
};

LbView MakeLbView(const route::Snapshot& snapshot, const LbViewOptions& options);

}  // namespace gwapi::compile

#endif  // GWAPI_LIB_COMPILE_LB_VIEW_H_
