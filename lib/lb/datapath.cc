#include "lib/lb/datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "bpf/lb_sock.skel.h"
#include "bpf/lb_tc.skel.h"
#include "gwapi/lb_abi.h"
#include "lib/base/status_macros.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace gwapi::lb {
namespace {

// tc filter handle and priority of both programs; fixed so a restarted
// agent replaces its own filters rather than stacking new ones.
constexpr uint32_t kTcHandle = 0x6777;  // "gw"
constexpr uint32_t kTcPriority = 1;

absl::Status LibbpfError(int err, const std::string& what) {
  if (err < 0) err = -err;
  return absl::ErrnoToStatus(err, what);
}

// Hands the pinned map `name` to `map` after checking its layout against
// the program's declaration of it.
absl::Status ReuseLbMap(bpf_map* map, const std::string& pin_path, const char* name) {
  const std::string path = absl::StrCat(pin_path, "/", name);
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) {
    return LibbpfError(
        fd, absl::StrCat("open pinned map ", path, " (open the maps with LibbpfMapBackend first)"));
  }
  bpf_map_info info;
  std::memset(&info, 0, sizeof(info));
  uint32_t len = sizeof(info);
  int err = bpf_obj_get_info_by_fd(fd, &info, &len);
  if (err == 0 && (info.type != BPF_MAP_TYPE_HASH || info.key_size != bpf_map__key_size(map) ||
                   info.value_size != bpf_map__value_size(map))) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": type ", info.type, ", key ", info.key_size, " bytes, value ", info.value_size,
        " bytes; the datapath needs a hash map with ", bpf_map__key_size(map), "-byte keys and ",
        bpf_map__value_size(map), "-byte values"));
  }
  if (err == 0) err = bpf_map__reuse_fd(map, fd);
  close(fd);  // reuse_fd keeps its own duplicate
  if (err != 0) return LibbpfError(err, absl::StrCat("reuse pinned map ", path));
  return absl::OkStatus();
}

// Points the six LB maps of a skeleton (lb_sock or lb_tc, which name them
// alike) at the Writer's pins.
template <typename Skeleton>
absl::Status ReuseLbMaps(Skeleton* s, const std::string& pin_path) {
  GWAPI_RETURN_IF_ERROR(ReuseLbMap(s->maps.lb4_services, pin_path, GWAPI_LB4_SERVICES_MAP));
  GWAPI_RETURN_IF_ERROR(ReuseLbMap(s->maps.lb4_backends, pin_path, GWAPI_LB4_BACKENDS_MAP));
  GWAPI_RETURN_IF_ERROR(ReuseLbMap(s->maps.lb4_revnat, pin_path, GWAPI_LB4_REVERSE_NAT_MAP));
  GWAPI_RETURN_IF_ERROR(ReuseLbMap(s->maps.lb6_services, pin_path, GWAPI_LB6_SERVICES_MAP));
  GWAPI_RETURN_IF_ERROR(ReuseLbMap(s->maps.lb6_backends, pin_path, GWAPI_LB6_BACKENDS_MAP));
  GWAPI_RETURN_IF_ERROR(ReuseLbMap(s->maps.lb6_revnat, pin_path, GWAPI_LB6_REVERSE_NAT_MAP));
  return absl::OkStatus();
}

absl::Status SetupOwnMap(bpf_map* map, const DatapathOptions& o, uint32_t max_entries) {
  int err = bpf_map__set_max_entries(map, max_entries);
  if (err == 0 && o.pin_own_maps) {
    // libbpf reuses a compatible pin at load, or creates and pins the map.
    err = bpf_map__set_pin_path(map, absl::StrCat(o.pin_path, "/", bpf_map__name(map)).c_str());
  }
  if (err != 0) return LibbpfError(err, absl::StrCat("set up map ", bpf_map__name(map)));
  return absl::OkStatus();
}

uint32_t Be32(const Address& a) {
  uint32_t v;
  std::memcpy(&v, a.bytes.data(), 4);
  return v;
}

void CopyV6(const Address& a, volatile uint32_t* out) {
  uint32_t w[4];
  std::memcpy(w, a.bytes.data(), 16);
  for (int i = 0; i < 4; ++i) out[i] = w[i];
}

// The cookie of the calling thread's network namespace (SO_NETNS_COOKIE,
// Linux 5.14), the value bpf_get_netns_cookie() returns there.
absl::StatusOr<uint64_t> NetnsCookie() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
  uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  int err = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
  int saved = errno;
  close(fd);
  if (err != 0) return absl::ErrnoToStatus(saved, "getsockopt(SO_NETNS_COOKIE)");
  return cookie;
}

absl::Status CheckFamily(const Address& a, Family f, const char* field) {
  if (a.family != f) {
    return absl::InvalidArgumentError(absl::StrCat("DatapathOptions::", field, " must be an IPv",
                                                   f == Family::kV4 ? "4" : "6", " address"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Datapath>> Datapath::Create(const DatapathOptions& o) {
  GWAPI_RETURN_IF_ERROR(CheckFamily(o.socket_l7_proxy_v4, Family::kV4, "socket_l7_proxy_v4"));
  GWAPI_RETURN_IF_ERROR(CheckFamily(o.socket_l7_proxy_v6, Family::kV6, "socket_l7_proxy_v6"));
  if (o.tc_l7_proxy_v4) {
    GWAPI_RETURN_IF_ERROR(CheckFamily(*o.tc_l7_proxy_v4, Family::kV4, "tc_l7_proxy_v4"));
  }
  if (o.tc_l7_proxy_v6) {
    GWAPI_RETURN_IF_ERROR(CheckFamily(*o.tc_l7_proxy_v6, Family::kV6, "tc_l7_proxy_v6"));
  }
  std::unique_ptr<Datapath> d(new Datapath());

  if (o.socket_lb) {
    d->sock_ = lb_sock__open();
    if (d->sock_ == nullptr) return LibbpfError(errno, "open lb_sock");
    lb_sock* s = d->sock_;
    GWAPI_RETURN_IF_ERROR(ReuseLbMaps(s, o.pin_path));
    GWAPI_RETURN_IF_ERROR(SetupOwnMap(s->maps.gw_lb4_rsk_v1, o, o.revsk_entries));
    GWAPI_RETURN_IF_ERROR(SetupOwnMap(s->maps.gw_lb6_rsk_v1, o, o.revsk_entries));
    s->rodata->proto_diff = o.protocol_differentiation ? 1 : 0;
    s->rodata->l7_proxy_ip4 = Be32(o.socket_l7_proxy_v4);
    CopyV6(o.socket_l7_proxy_v6, s->rodata->l7_proxy_ip6);
    if (o.socket_l7_host_netns_only) {
      GWAPI_ASSIGN_OR_RETURN(s->rodata->host_netns_cookie, NetnsCookie());
    }
    int err = lb_sock__load(s);
    if (err != 0) return LibbpfError(err, "load lb_sock (see the verifier log above)");
    if (!o.cgroup_path.empty()) GWAPI_RETURN_IF_ERROR(d->AttachCgroup(o.cgroup_path));
  }

  if (o.tc_lb) {
    d->tc_ = lb_tc__open();
    if (d->tc_ == nullptr) return LibbpfError(errno, "open lb_tc");
    lb_tc* t = d->tc_;
    GWAPI_RETURN_IF_ERROR(ReuseLbMaps(t, o.pin_path));
    GWAPI_RETURN_IF_ERROR(SetupOwnMap(t->maps.gw_ct4_v1, o, o.flow_table_entries));
    GWAPI_RETURN_IF_ERROR(SetupOwnMap(t->maps.gw_ct6_v1, o, o.flow_table_entries));
    t->rodata->proto_diff = o.protocol_differentiation ? 1 : 0;
    t->rodata->l7_proxy_ip4 = o.tc_l7_proxy_v4 ? Be32(*o.tc_l7_proxy_v4) : 0;
    if (o.tc_l7_proxy_v6) CopyV6(*o.tc_l7_proxy_v6, t->rodata->l7_proxy_ip6);
    int err = lb_tc__load(t);
    if (err != 0) return LibbpfError(err, "load lb_tc (see the verifier log above)");
    if (o.ifindex != 0) GWAPI_RETURN_IF_ERROR(d->AttachTc(o.ifindex));
  }
  return d;
}

absl::Status Datapath::AttachCgroup(const std::string& path) {
  int cg = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open cgroup ", path));
  bpf_program* progs[] = {
      sock_->progs.gwapi_connect4,     sock_->progs.gwapi_sendmsg4,     sock_->progs.gwapi_recvmsg4,
      sock_->progs.gwapi_getpeername4, sock_->progs.gwapi_connect6,     sock_->progs.gwapi_sendmsg6,
      sock_->progs.gwapi_recvmsg6,     sock_->progs.gwapi_getpeername6,
  };
  absl::Status status;
  for (bpf_program* p : progs) {
    // A link detaches when destroyed, also if this process dies.
    bpf_link* link = bpf_program__attach_cgroup(p, cg);
    if (link == nullptr) {
      status = LibbpfError(errno, absl::StrCat("attach ", bpf_program__name(p), " to ", path));
      break;
    }
    links_.push_back(link);
  }
  close(cg);
  return status;
}

absl::Status Datapath::AttachTc(int ifindex) {
  tc_ifindex_ = ifindex;
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
              .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  int err = bpf_tc_hook_create(&hook);
  if (err == 0) {
    tc_hook_created_ = true;
  } else if (err != -EEXIST) {
    return LibbpfError(err, absl::StrCat("create clsact qdisc on ifindex ", ifindex));
  }
  for (bool ingress : {true, false}) {
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex,
                .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = ingress ? tc_ingress_fd() : tc_egress_fd(),
                .flags = BPF_TC_F_REPLACE, .handle = kTcHandle, .priority = kTcPriority);
    err = bpf_tc_attach(&h, &opts);
    if (err != 0) {
      return LibbpfError(
          err, absl::StrCat("attach tc ", ingress ? "ingress" : "egress", " on ifindex ", ifindex));
    }
    (ingress ? tc_ingress_attached_ : tc_egress_attached_) = true;
  }
  return absl::OkStatus();
}

Datapath::~Datapath() {
  for (bpf_link* l : links_) bpf_link__destroy(l);
  for (bool ingress : {true, false}) {
    if (!(ingress ? tc_ingress_attached_ : tc_egress_attached_)) continue;
    LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = tc_ifindex_,
                .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
    bpf_tc_detach(&h, &opts);
  }
  if (tc_hook_created_) {
    // Only a qdisc this Datapath created: removing it drops every filter.
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = tc_ifindex_,
                .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
    bpf_tc_hook_destroy(&hook);
  }
  if (sock_ != nullptr) lb_sock__destroy(sock_);
  if (tc_ != nullptr) lb_tc__destroy(tc_);
}

int Datapath::tc_ingress_fd() const {
  return tc_ ? bpf_program__fd(tc_->progs.gwapi_tc_ingress) : -1;
}
int Datapath::tc_egress_fd() const {
  return tc_ ? bpf_program__fd(tc_->progs.gwapi_tc_egress) : -1;
}
int Datapath::flow_table_v4_fd() const { return tc_ ? bpf_map__fd(tc_->maps.gw_ct4_v1) : -1; }
int Datapath::flow_table_v6_fd() const { return tc_ ? bpf_map__fd(tc_->maps.gw_ct6_v1) : -1; }
int Datapath::revsk_v4_fd() const { return sock_ ? bpf_map__fd(sock_->maps.gw_lb4_rsk_v1) : -1; }
int Datapath::revsk_v6_fd() const { return sock_ ? bpf_map__fd(sock_->maps.gw_lb6_rsk_v1) : -1; }

}  // namespace gwapi::lb
