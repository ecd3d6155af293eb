// The eBPF datapath (issue: eBPF load balancing): per-packet cost of the tc
// program of bpf/lb_tc.bpf.c with BPF_PROG_TEST_RUN in repeat mode, and
// per-connect cost of the socket program, over <services> LoadBalancer
// frontends of 10 backends each that the Writer put into pinned maps.
//
//   BM_TcIngress_L4Hit/<services>: an established flow to an L4 frontend:
//     frontend lookup, flow-table hit, backend lookup, DNAT of address and
//     port with both checksum updates.
//   BM_TcIngress_L7Hit/<services>: a packet to an L7 frontend: frontend
//     lookup, reverse-entry check, DNAT to the proxy port.
//   BM_TcEgress_ReplyHit/<services>: a reply of that L4 flow: flow-table
//     hit, reverse-NAT lookup, SNAT back to the frontend.
//   BM_TcIngress_Miss/<services>: a packet to no frontend: parse and one
//     lookup.
//   BM_TcNoop: a program that only returns TC_ACT_OK, the baseline: what
//     BPF_PROG_TEST_RUN itself costs per repeat.
//   BM_SockUdpConnect_Frontend/<services>: connect() of a UDP socket to a
//     ClusterIP (connect4 translates it), against
//   BM_SockUdpConnect_Direct/<services>: the same connect() to an address
//     that is no frontend (connect4 runs and misses).
//
// Repeat mode runs the program on one skb again and again, so a program
// that rewrites the packet would see its own output from the second run
// on (a miss). The measured frontends therefore map to themselves: the L4
// frontend's only backend is its own address and port, and the L7
// frontend's proxy port is its own port with the address kept, so every
// rewrite writes the bytes already there and every repeat is a full hit.
// The programs always write (they do not skip equal values), so the cost
// is that of a real translation. tests/bpf/tc_test.cc checks this premise
// (SelfMappedFrontendRewriteIsIdempotent), and each benchmark checks
// before timing that its packet is a hit.
//
// ns_per_packet is the kernel's own average (bpf_test_run_opts.duration);
// the time column is per BPF_PROG_TEST_RUN call of kRepeat packets. Needs
// root; run with
//   bazel run -c opt //bench:datapath_bench
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/lb/datapath.h"
#include "lib/lb/libbpf_backend.h"
#include "lib/lb/writer.h"
#include "tests/bpf/cgroup.h"
#include "tests/lb/bpffs.h"

namespace gwapi::bench {
namespace {

namespace bpffs = ::gwapi::lb::bpffs;

using lb::Address;
using lb::Backend;
using lb::DesiredState;
using lb::Frontend;
using lb::FrontendType;

constexpr int kBackendsPerService = 10;
constexpr uint32_t kRepeat = 10000;

Address V4(uint32_t host_order) {
  return Address::V4(host_order >> 24, (host_order >> 16) & 0xff, (host_order >> 8) & 0xff,
                     host_order & 0xff);
}

// Frontend i: 172.16.0.0 + i, port 80, LoadBalancer, backends
// 10.128.0.0 + i * 10 + j:8080. Three in the middle are the measured ones.
struct Probe {
  int l4, l7, sock;
};
Probe Probes(int services) { return {services / 2, services / 2 + 1, services / 2 + 2}; }

Address FrontendAddr(int i) { return V4((172u << 24) | (16u << 16) | static_cast<uint32_t>(i)); }

DesiredState Workload(int services) {
  const Probe p = Probes(services);
  DesiredState d;
  d.frontends.reserve(services);
  for (int i = 0; i < services; ++i) {
    Frontend f;
    f.address = FrontendAddr(i);
    f.port = 80;
    f.type = FrontendType::kLoadBalancer;
    if (i == p.l4) {
      f.backends = {Backend{f.address, 80}};  // maps to itself
    } else if (i == p.l7) {
      f.type = FrontendType::kL7LoadBalancer;
      f.l7_proxy_port = 80;  // proxy port == frontend port
      f.backends = {Backend{V4(0xc0c0c0c0), 9999}};
    } else if (i == p.sock) {
      f.type = FrontendType::kClusterIP;
      f.backends = {Backend{Address::V4(127, 0, 0, 1), 9}};
    } else {
      for (int j = 0; j < kBackendsPerService; ++j) {
        f.backends.push_back(
            Backend{V4((10u << 24) | (128u << 16) | static_cast<uint32_t>(i * 10 + j)), 8080});
      }
    }
    d.frontends.push_back(std::move(f));
  }
  return d;
}

// Maps, Writer and datapath for one map size, built once and kept until
// exit (their destructors detach and remove every pin and the cgroup).
struct Env {
  std::string dir;
  lb::cgroup::Scratch cgroup;
  std::unique_ptr<lb::LibbpfMapBackend> backend;
  std::unique_ptr<lb::Writer> writer;
  std::unique_ptr<lb::Datapath> dp;
  std::string error;
  ~Env() {
    dp.reset();
    writer.reset();
    backend.reset();
    if (!dir.empty()) bpffs::RemoveTree(dir);
  }
};

Env* GetEnv(int services) {
  static std::map<int, std::unique_ptr<Env>> envs;
  auto& slot = envs[services];
  if (slot) return slot.get();
  slot = std::make_unique<Env>();
  Env* e = slot.get();
  e->error = bpffs::BpfUnavailable();
  if (!e->error.empty()) return e;
  e->dir = bpffs::MakePinDir("gwapi_dp_bench_", &e->error);
  if (e->dir.empty()) return e;
  if (envs.size() == 1) {
    // One cgroup for the whole process; the socket programs of every Env
    // attach to it.
    e->error = e->cgroup.Enter("gwapi_dp_bench_");
    if (!e->error.empty()) return e;
  }
  lb::LibbpfMapOptions o;
  o.pin_path = e->dir + "/tc/globals";
  const uint32_t size = std::max<uint32_t>(1024, services * (kBackendsPerService + 1) + 1024);
  o.sizes.services = size;
  o.sizes.backends = size;
  o.sizes.rev_nat = std::max<uint32_t>(1024, services + 1024);
  auto b = lb::LibbpfMapBackend::Open(o);
  if (!b.ok()) {
    e->error = std::string(b.status().message());
    return e;
  }
  e->backend = std::move(*b);
  auto w = lb::Writer::Create(e->backend.get());
  if (!w.ok()) {
    e->error = std::string(w.status().message());
    return e;
  }
  e->writer = std::move(*w);
  absl::Status s = e->writer->Sync(Workload(services));
  if (!s.ok()) {
    e->error = std::string(s.message());
    return e;
  }
  lb::DatapathOptions d;
  d.pin_path = o.pin_path;
  d.cgroup_path = envs.begin()->second->cgroup.path();
  auto dp = lb::Datapath::Create(d);
  if (!dp.ok()) {
    e->error = std::string(dp.status().message());
    return e;
  }
  e->dp = std::move(*dp);
  return e;
}

// An Ethernet/IPv4/TCP (SYN-less, ACK) frame with 64 bytes of payload and
// correct checksums.
std::string Frame(Address src, uint16_t sport, Address dst, uint16_t dport) {
  std::string f(14 + 20 + 20 + 64, '\0');
  auto put16 = [&](size_t off, uint16_t v) {
    f[off] = static_cast<char>(v >> 8);
    f[off + 1] = static_cast<char>(v);
  };
  auto sum = [&](size_t off, size_t len, uint32_t s) {
    for (size_t i = 0; i < len; i += 2) {
      s += (static_cast<uint8_t>(f[off + i]) << 8) | static_cast<uint8_t>(f[off + i + 1]);
    }
    return s;
  };
  auto fold = [](uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
  };
  put16(12, 0x0800);
  f[14] = 0x45;
  put16(16, 20 + 20 + 64);
  f[14 + 8] = 64;
  f[14 + 9] = 6;
  std::memcpy(&f[14 + 12], src.bytes.data(), 4);
  std::memcpy(&f[14 + 16], dst.bytes.data(), 4);
  put16(14 + 10, fold(sum(14, 20, 0)));
  put16(34, sport);
  put16(36, dport);
  f[34 + 12] = 0x50;
  f[34 + 13] = 0x10;  // ACK
  put16(34 + 14, 65535);
  put16(34 + 16, fold(sum(34, 84, sum(14 + 12, 8, 6 + 84))));
  return f;
}

// Times `prog_fd` on `frame`. If `expect_same`, first checks that the
// output equals the input (the rewrite is idempotent, so each repeat hits).
void RunTc(benchmark::State& state, int prog_fd, const std::string& frame, bool expect_same,
           int expect_verdict = TC_ACT_OK) {
  std::string out(frame.size(), '\0');
  LIBBPF_OPTS(bpf_test_run_opts, warm, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 1);
  if (bpf_prog_test_run_opts(prog_fd, &warm) != 0 ||
      warm.retval != static_cast<uint32_t>(expect_verdict) || (expect_same && out != frame)) {
    state.SkipWithError("the packet is not the expected hit");
    return;
  }
  uint64_t total_ns = 0, packets = 0;
  for (auto _ : state) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()), .repeat = kRepeat);
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
      state.SkipWithError("BPF_PROG_TEST_RUN failed");
      return;
    }
    // duration: average ns per repeat, measured by the kernel.
    state.SetIterationTime(static_cast<double>(opts.duration) * kRepeat * 1e-9);
    total_ns += static_cast<uint64_t>(opts.duration) * kRepeat;
    packets += kRepeat;
  }
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["ns_per_packet"] =
      packets ? static_cast<double>(total_ns) / static_cast<double>(packets) : 0;
}

const Address kClient = Address::V4(192, 0, 2, 10);

#define GWAPI_BENCH_ENV(state)                                  \
  Env* env = GetEnv(static_cast<int>(state.range(0)));          \
  if (!env->error.empty()) {                                    \
    state.SkipWithError(env->error.c_str());                    \
    return;                                                     \
  }                                                             \
  const Probe probe = Probes(static_cast<int>(state.range(0))); \
  (void)probe

void BM_TcIngress_L4Hit(benchmark::State& state) {
  GWAPI_BENCH_ENV(state);
  RunTc(state, env->dp->tc_ingress_fd(), Frame(kClient, 40000, FrontendAddr(probe.l4), 80), true);
}

void BM_TcIngress_L7Hit(benchmark::State& state) {
  GWAPI_BENCH_ENV(state);
  RunTc(state, env->dp->tc_ingress_fd(), Frame(kClient, 40001, FrontendAddr(probe.l7), 80), true);
}

void BM_TcEgress_ReplyHit(benchmark::State& state) {
  GWAPI_BENCH_ENV(state);
  // The request creates the flow; the reply comes from the "backend",
  // which is the frontend itself, so the SNAT back is idempotent too.
  const std::string req = Frame(kClient, 40002, FrontendAddr(probe.l4), 80);
  std::string out(req.size(), '\0');
  LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = req.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(req.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 1);
  bpf_prog_test_run_opts(env->dp->tc_ingress_fd(), &o);
  RunTc(state, env->dp->tc_egress_fd(), Frame(FrontendAddr(probe.l4), 80, kClient, 40002), true);
}

void BM_TcIngress_Miss(benchmark::State& state) {
  GWAPI_BENCH_ENV(state);
  RunTc(state, env->dp->tc_ingress_fd(), Frame(kClient, 40003, V4(0x0a0a0a0a), 80), true);
}

void BM_TcNoop(benchmark::State& state) {
  const std::string why = bpffs::BpfUnavailable();
  if (!why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, TC_ACT_OK},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "gwapi_noop", "GPL", insns, 2, nullptr);
  if (fd < 0) {
    state.SkipWithError("cannot load a no-op tc program");
    return;
  }
  RunTc(state, fd, Frame(kClient, 40004, V4(0x0a0a0a0a), 80), true);
  close(fd);
}

void RunConnect(benchmark::State& state, const sockaddr_in& to) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
    state.SkipWithError("UDP connect failed");
    if (fd >= 0) close(fd);
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)));
  }
  state.SetItemsProcessed(state.iterations());
  close(fd);
}

void BM_SockUdpConnect_Frontend(benchmark::State& state) {
  GWAPI_BENCH_ENV(state);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(80);
  std::memcpy(&to.sin_addr, FrontendAddr(probe.sock).bytes.data(), 4);
  RunConnect(state, to);
}

void BM_SockUdpConnect_Direct(benchmark::State& state) {
  GWAPI_BENCH_ENV(state);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  RunConnect(state, to);
}

BENCHMARK(BM_TcNoop)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TcIngress_Miss)->Arg(10000)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TcIngress_L4Hit)->Arg(100)->Arg(10000)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TcIngress_L7Hit)->Arg(10000)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TcEgress_ReplyHit)->Arg(10000)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SockUdpConnect_Direct)->Arg(10000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_SockUdpConnect_Frontend)->Arg(10000)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace gwapi::bench

BENCHMARK_MAIN();
