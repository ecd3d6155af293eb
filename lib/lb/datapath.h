// Loads this project's eBPF datapath (bpf/lb_sock.bpf.c, bpf/lb_tc.bpf.c)
// over the LB maps a Writer keeps pinned, and attaches it: the socket
// programs to a cgroup, the tc programs to a network interface.
#ifndef GWAPI_LIB_LB_DATAPATH_H_
#define GWAPI_LIB_LB_DATAPATH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/lb/libbpf_backend.h"
#include "lib/lb/types.h"

struct bpf_link;
struct lb_sock;
struct lb_tc;

namespace gwapi::lb {

struct DatapathOptions {
  // Where the LB maps are pinned (LibbpfMapOptions::pin_path). All six must
  // exist; the datapath never creates them, the Writer does.
  std::string pin_path = kDefaultPinPath;
  // Pin the datapath's own maps (gw_lb4_rsk_v1, gw_ct4_v1, ...) under
  // pin_path too, so a reloaded datapath keeps translating existing
  // connections. false keeps them private to this Datapath.
  bool pin_own_maps = true;
  // Must equal the Writer's WriterOptions::protocol_differentiation.
  bool protocol_differentiation = false;

  // Socket load balancing. Loaded when true; attached (connect, sendmsg,
  // recvmsg, getpeername for IPv4 and IPv6) to the cgroup v2 directory
  // `cgroup_path` when it is not empty.
  bool socket_lb = true;
  std::string cgroup_path;
  // Where connections of local sockets to an L7 frontend go, on the
  // frontend's proxy port: loopback, as Cilium's socket LB does in the host
  // namespace; the proxy must listen there or on the wildcard address.
  Address socket_l7_proxy_v4 = Address::V4(127, 0, 0, 1);
  Address socket_l7_proxy_v6 = LoopbackV6();
  // Send only sockets of the caller's network namespace (the node's) to the
  // proxy; sockets of other namespaces in the cgroup keep the L7 VIP, which
  // the tc program serves. false translates in every namespace.
  bool socket_l7_host_netns_only = true;

  // tc load balancing. Loaded when true; attached (ingress and egress,
  // direct action, in a clsact qdisc created if missing) to `ifindex` when
  // it is not 0.
  bool tc_lb = true;
  int ifindex = 0;
  // The node address the L7 proxy listens on, for traffic from outside.
  // Unset keeps the frontend's address (then it must be local to the node)
  // and rewrites only the port.
  std::optional<Address> tc_l7_proxy_v4;
  std::optional<Address> tc_l7_proxy_v6;
  // Size of each of the tc flow tables and socket reverse-NAT maps (LRU).
  uint32_t flow_table_entries = 65536;
  uint32_t revsk_entries = 65536;

  static Address LoopbackV6() {
    Address a;
    a.family = Family::kV6;
    a.bytes[15] = 1;
    return a;
  }
};

// The loaded programs and their attachments. Create opens the pinned LB
// maps, checks their key and value sizes against the programs', hands them
// to the programs (bpf_map__reuse_fd), writes the settings into .rodata,
// loads and attaches. The destructor detaches everything it attached and
// removes a clsact qdisc only if it created it; pins stay.
// Thread-safety: not thread-safe; immutable between Create and destruction.
class Datapath {
 public:
  static absl::StatusOr<std::unique_ptr<Datapath>> Create(const DatapathOptions& options);
  ~Datapath();
  Datapath(const Datapath&) = delete;
  Datapath& operator=(const Datapath&) = delete;

  // Program and map descriptors (borrowed; -1 when not loaded), for
  // BPF_PROG_TEST_RUN and inspection.
  int tc_ingress_fd() const;
  int tc_egress_fd() const;
  int flow_table_v4_fd() const;
  int flow_table_v6_fd() const;
  int revsk_v4_fd() const;
  int revsk_v6_fd() const;

 private:
  Datapath() = default;
  absl::Status AttachCgroup(const std::string& path);
  absl::Status AttachTc(int ifindex);

  lb_sock* sock_ = nullptr;
  lb_tc* tc_ = nullptr;
  std::vector<bpf_link*> links_;
  int tc_ifindex_ = 0;
  bool tc_hook_created_ = false;
  bool tc_ingress_attached_ = false;
  bool tc_egress_attached_ = false;
};

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_DATAPATH_H_
