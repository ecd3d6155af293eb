// The tc programs of bpf/lb_tc.bpf.c, run with BPF_PROG_TEST_RUN over maps
// the Writer programmed: packet tables of input frames and the frames and
// verdicts expected, with every checksum recomputed here from scratch.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "gwapi/lb_datapath.h"
#include "lib/lb/datapath.h"
#include "tests/bpf/testing.h"

namespace gwapi::lb {
namespace {

using testing::Be;
using testing::BuildPacket;
using testing::ChecksumError;
using testing::Fe;
using testing::HexDump;
using testing::Ip;
using testing::PacketSpec;

constexpr uint16_t kProxyPort = 12141;

#define ASSERT_OK(expr)             \
  do {                              \
    const absl::Status s_ = (expr); \
    ASSERT_TRUE(s_.ok()) << s_;     \
  } while (0)

struct RunResult {
  int verdict = -1;
  std::string out;
};

RunResult RunProg(int prog_fd, const std::string& in) {
  RunResult r;
  std::string out(in.size() + 256, '\0');
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(in.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 1);
  int err = bpf_prog_test_run_opts(prog_fd, &opts);
  EXPECT_EQ(err, 0) << "BPF_PROG_TEST_RUN: " << std::strerror(-err);
  if (err != 0) return r;
  r.verdict = static_cast<int>(opts.retval);
  r.out = out.substr(0, opts.data_size_out);
  return r;
}

PacketSpec Pkt(const char* src, uint16_t sport, const char* dst, uint16_t dport,
               Protocol proto = Protocol::kTcp) {
  PacketSpec p;
  p.src = Ip(src);
  p.dst = Ip(dst);
  p.sport = sport;
  p.dport = dport;
  p.proto = proto;
  return p;
}

// The frontends every table runs against.
DesiredState Scenario() {
  DesiredState d;
  d.frontends = {
      Fe("172.17.0.70", 5432, FrontendType::kLoadBalancer, {Be("10.244.1.46", 8080)}),
      Fe("172.17.0.71", 53, FrontendType::kLoadBalancer,
         {Be("10.244.1.47", 5353, 1, BackendState::kActive, Protocol::kUdp)}, Protocol::kUdp),
      Fe("172.17.0.64", 80, FrontendType::kL7LoadBalancer, {Be("192.192.192.192", 9999)},
         Protocol::kTcp, kProxyPort),
      Fe("10.96.0.10", 8000, FrontendType::kClusterIP, {Be("10.244.1.46", 8080)}),
      Fe("172.17.0.72", 80, FrontendType::kLoadBalancer,
         {Be("10.244.1.48", 80, 1, BackendState::kTerminating)}),
      Fe("2001:db8::70", 5432, FrontendType::kLoadBalancer, {Be("fd00:10:244::46", 8080)}),
      Fe("2001:db8::71", 53, FrontendType::kLoadBalancer,
         {Be("fd00:10:244::47", 5353, 1, BackendState::kActive, Protocol::kUdp)}, Protocol::kUdp),
      Fe("2001:db8::64", 80, FrontendType::kL7LoadBalancer, {Be("fd00::c0c0", 9999)},
         Protocol::kTcp, kProxyPort),
  };
  return d;
}

class TcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = testing::BpfUnavailable();
    if (!why.empty()) GTEST_SKIP() << "SKIPPED: eBPF datapath tests need BPF: " << why;
    ASSERT_TRUE(pins_.ok()) << "mkdtemp under /sys/fs/bpf: " << std::strerror(errno);
    maps_ = testing::OpenLbMaps(pins_.globals());
    ASSERT_NE(maps_.writer, nullptr);
    ASSERT_OK(maps_.writer->Sync(Scenario()));
    dp_ = Load({});
    ASSERT_NE(dp_, nullptr);
  }

  std::unique_ptr<Datapath> Load(std::optional<Address> proxy_v4, bool pin_own = true) {
    DatapathOptions o;
    o.pin_path = pins_.globals();
    o.pin_own_maps = pin_own;
    o.socket_lb = false;
    o.tc_l7_proxy_v4 = proxy_v4;
    auto d = Datapath::Create(o);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? std::move(*d) : nullptr;
  }

  // Runs `in` through the program and checks verdict, bytes and checksums.
  void Expect(int prog_fd, const PacketSpec& in, int verdict, const PacketSpec& want) {
    const std::string frame = BuildPacket(in);
    RunResult r = RunProg(prog_fd, frame);
    EXPECT_EQ(r.verdict, verdict);
    const std::string expected = BuildPacket(want);
    EXPECT_EQ(r.out, expected) << "got\n" << HexDump(r.out) << "\nwant\n" << HexDump(expected);
    EXPECT_EQ(ChecksumError(r.out), "");
  }

  testing::PinDir pins_;
  testing::LbMaps maps_;
  std::unique_ptr<Datapath> dp_;
};

struct Row {
  const char* name;
  PacketSpec in;
  int verdict;
  PacketSpec out;
};

PacketSpec With(PacketSpec p, const char* dst, uint16_t dport) {
  p.dst = Ip(dst);
  p.dport = dport;
  return p;
}

PacketSpec WithSrc(PacketSpec p, const char* src, uint16_t sport) {
  p.src = Ip(src);
  p.sport = sport;
  return p;
}

TEST_F(TcTest, IngressPacketTable) {
  PacketSpec udp0 = Pkt("192.0.2.10", 40001, "172.17.0.71", 53, Protocol::kUdp);
  udp0.udp_zero_checksum = true;
  PacketSpec frag = Pkt("192.0.2.10", 40002, "172.17.0.70", 5432);
  frag.fragment = true;
  const PacketSpec tcp4 = Pkt("192.0.2.10", 40000, "172.17.0.70", 5432);
  const PacketSpec udp4 = Pkt("192.0.2.10", 40000, "172.17.0.71", 53, Protocol::kUdp);
  const PacketSpec l7 = Pkt("192.0.2.10", 40000, "172.17.0.64", 80);
  const PacketSpec l7udp = Pkt("192.0.2.10", 40000, "172.17.0.64", 80, Protocol::kUdp);
  const PacketSpec cip = Pkt("192.0.2.10", 40000, "10.96.0.10", 8000);
  const PacketSpec none = Pkt("192.0.2.10", 40000, "172.17.0.99", 80);
  const PacketSpec empty = Pkt("192.0.2.10", 40000, "172.17.0.72", 80);
  const PacketSpec tcp6 = Pkt("2001:db8:1::10", 40000, "2001:db8::70", 5432);
  const PacketSpec udp6 = Pkt("2001:db8:1::10", 40000, "2001:db8::71", 53, Protocol::kUdp);
  const PacketSpec l7v6 = Pkt("2001:db8:1::10", 40000, "2001:db8::64", 80);
  const PacketSpec none6 = Pkt("2001:db8:1::10", 40000, "2001:db8::99", 80);
  const std::vector<Row> rows = {
      {"L4 TCP is DNATed to its backend", tcp4, TC_ACT_OK, With(tcp4, "10.244.1.46", 8080)},
      {"L4 UDP is DNATed to its backend", udp4, TC_ACT_OK, With(udp4, "10.244.1.47", 5353)},
      {"UDP without checksum keeps none", udp0, TC_ACT_OK, With(udp0, "10.244.1.47", 5353)},
      {"L7 TCP goes to the proxy port, VIP kept", l7, TC_ACT_OK,
       With(l7, "172.17.0.64", kProxyPort)},
      {"UDP to an L7 frontend passes", l7udp, TC_ACT_OK, l7udp},
      {"ClusterIP is not served from outside", cip, TC_ACT_OK, cip},
      {"no frontend passes", none, TC_ACT_OK, none},
      {"frontend without selectable backend drops", empty, TC_ACT_SHOT, empty},
      {"fragments pass", frag, TC_ACT_OK, frag},
      {"IPv6 L4 TCP", tcp6, TC_ACT_OK, With(tcp6, "fd00:10:244::46", 8080)},
      {"IPv6 L4 UDP", udp6, TC_ACT_OK, With(udp6, "fd00:10:244::47", 5353)},
      {"IPv6 L7 TCP", l7v6, TC_ACT_OK, With(l7v6, "2001:db8::64", kProxyPort)},
      {"IPv6 no frontend passes", none6, TC_ACT_OK, none6},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Expect(dp_->tc_ingress_fd(), row.in, row.verdict, row.out);
  }
}

TEST_F(TcTest, NonIpFramePasses) {
  std::string arp(42, '\0');
  arp[12] = 0x08;
  arp[13] = 0x06;
  RunResult r = RunProg(dp_->tc_ingress_fd(), arp);
  EXPECT_EQ(r.verdict, TC_ACT_OK);
  EXPECT_EQ(r.out, arp);
}

TEST_F(TcTest, RepliesAreReverseTranslatedOnEgress) {
  struct Flow {
    const char* name;
    PacketSpec request;  // arrives from the client
    PacketSpec reply;    // leaves from the backend or proxy
  };
  const std::vector<Flow> flows = {
      {"IPv4 L4 TCP", Pkt("192.0.2.10", 40000, "172.17.0.70", 5432),
       Pkt("10.244.1.46", 8080, "192.0.2.10", 40000)},
      {"IPv4 L4 UDP", Pkt("192.0.2.10", 40000, "172.17.0.71", 53, Protocol::kUdp),
       Pkt("10.244.1.47", 5353, "192.0.2.10", 40000, Protocol::kUdp)},
      {"IPv4 L7", Pkt("192.0.2.11", 40000, "172.17.0.64", 80),
       Pkt("172.17.0.64", kProxyPort, "192.0.2.11", 40000)},
      {"IPv6 L4 TCP", Pkt("2001:db8:1::10", 40000, "2001:db8::70", 5432),
       Pkt("fd00:10:244::46", 8080, "2001:db8:1::10", 40000)},
      {"IPv6 L4 UDP", Pkt("2001:db8:1::10", 40000, "2001:db8::71", 53, Protocol::kUdp),
       Pkt("fd00:10:244::47", 5353, "2001:db8:1::10", 40000, Protocol::kUdp)},
      {"IPv6 L7", Pkt("2001:db8:1::11", 40000, "2001:db8::64", 80),
       Pkt("2001:db8::64", kProxyPort, "2001:db8:1::11", 40000)},
  };
  for (const Flow& f : flows) {
    SCOPED_TRACE(f.name);
    // Before the request: nothing to translate.
    Expect(dp_->tc_egress_fd(), f.reply, TC_ACT_OK, f.reply);
    RunResult r = RunProg(dp_->tc_ingress_fd(), BuildPacket(f.request));
    ASSERT_EQ(r.verdict, TC_ACT_OK);
    Expect(dp_->tc_egress_fd(), f.reply, TC_ACT_OK,
           WithSrc(f.reply, f.request.dst.ToString().c_str(), f.request.dport));
  }
  // A reply to another client port is not part of any flow.
  const PacketSpec other = Pkt("10.244.1.46", 8080, "192.0.2.10", 40009);
  Expect(dp_->tc_egress_fd(), other, TC_ACT_OK, other);
}

TEST_F(TcTest, L7ToConfiguredProxyAddress) {
  // A second datapath over the same LB maps, with private flow tables.
  std::unique_ptr<Datapath> dp = Load(Ip("192.168.1.1"), /*pin_own=*/false);
  ASSERT_NE(dp, nullptr);
  const PacketSpec req = Pkt("192.0.2.10", 40000, "172.17.0.64", 80);
  Expect(dp->tc_ingress_fd(), req, TC_ACT_OK, With(req, "192.168.1.1", kProxyPort));
  const PacketSpec reply = Pkt("192.168.1.1", kProxyPort, "192.0.2.10", 40000);
  Expect(dp->tc_egress_fd(), reply, TC_ACT_OK, WithSrc(reply, "172.17.0.64", 80));
}

TEST_F(TcTest, FlowsSpreadAndStayOnTheirBackend) {
  DesiredState d = Scenario();
  d.frontends.push_back(
      Fe("172.17.0.80", 443, FrontendType::kLoadBalancer,
         {Be("10.244.2.1", 8443), Be("10.244.2.2", 8443), Be("10.244.2.3", 8443),
          Be("10.244.2.4", 8443), Be("10.244.2.9", 8443, 1, BackendState::kTerminating)}));
  ASSERT_OK(maps_.writer->Sync(d));
  std::vector<std::string> first;
  std::set<std::string> used;
  for (uint16_t port = 30000; port < 30064; ++port) {
    RunResult r =
        RunProg(dp_->tc_ingress_fd(), BuildPacket(Pkt("192.0.2.20", port, "172.17.0.80", 443)));
    ASSERT_EQ(r.verdict, TC_ACT_OK);
    ASSERT_EQ(ChecksumError(r.out), "");
    const std::string dst = r.out.substr(14 + 16, 4);
    EXPECT_EQ(r.out.substr(14 + 22, 2), std::string("\x20\xfb", 2));  // 8443
    first.push_back(dst);
    used.insert(dst);
  }
  EXPECT_GE(used.size(), 3u) << "64 flows over 4 backends";
  EXPECT_EQ(used.count(std::string("\x0a\xf4\x02\x09", 4)), 0u) << "terminating backend selected";

  // A fifth backend changes every slot; established flows keep theirs.
  d.frontends.back().backends.push_back(Be("10.244.2.5", 8443));
  ASSERT_OK(maps_.writer->Sync(d));
  for (uint16_t port = 30000; port < 30064; ++port) {
    RunResult r =
        RunProg(dp_->tc_ingress_fd(), BuildPacket(Pkt("192.0.2.20", port, "172.17.0.80", 443)));
    ASSERT_EQ(r.verdict, TC_ACT_OK);
    EXPECT_EQ(r.out.substr(14 + 16, 4), first[port - 30000]) << "flow from port " << port;
  }
  // The flow table holds a forward and a reverse entry per flow.
  gwapi_ct4_key key{};
  std::memcpy(&key.saddr, Ip("192.0.2.20").bytes.data(), 4);
  std::memcpy(&key.daddr, Ip("172.17.0.80").bytes.data(), 4);
  key.sport = htons(30000);
  key.dport = htons(443);
  key.proto = 6;
  key.dir = GWAPI_CT_DIR_FWD;
  gwapi_ct_val val{};
  ASSERT_EQ(bpf_map_lookup_elem(dp_->flow_table_v4_fd(), &key, &val), 0);
  EXPECT_NE(val.backend_id, 0u);
  EXPECT_EQ(ntohs(val.rev_nat_index),
            *maps_.writer->RevNatIndex(Ip("172.17.0.80"), 443, Protocol::kTcp));
}

TEST_F(TcTest, BackendRemovedMidFlowReselects) {
  DesiredState d = Scenario();
  d.frontends[0].backends = {Be("10.244.1.60", 8080)};
  ASSERT_OK(maps_.writer->Sync(d));
  const PacketSpec req = Pkt("192.0.2.30", 41000, "172.17.0.70", 5432);
  Expect(dp_->tc_ingress_fd(), req, TC_ACT_OK, With(req, "10.244.1.60", 8080));
  // The backend leaves the backends map; the flow moves to the new one.
  d.frontends[0].backends = {Be("10.244.1.50", 8080)};
  ASSERT_OK(maps_.writer->Sync(d));
  Expect(dp_->tc_ingress_fd(), req, TC_ACT_OK, With(req, "10.244.1.50", 8080));
}

TEST_F(TcTest, SelfMappedFrontendRewriteIsIdempotent) {
  // The benchmark's premise: a frontend whose backend is itself is a hit
  // on every repeat, and the output equals the input.
  DesiredState d = Scenario();
  d.frontends.push_back(Fe("172.17.1.1", 80, FrontendType::kLoadBalancer, {Be("172.17.1.1", 80)}));
  ASSERT_OK(maps_.writer->Sync(d));
  const std::string in = BuildPacket(Pkt("192.0.2.10", 40000, "172.17.1.1", 80));
  std::string out(in.size(), '\0');
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(in.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 100);
  ASSERT_EQ(bpf_prog_test_run_opts(dp_->tc_ingress_fd(), &opts), 0);
  EXPECT_EQ(opts.retval, static_cast<uint32_t>(TC_ACT_OK));
  EXPECT_EQ(out, in);
  gwapi_ct4_key key{};
  std::memcpy(&key.saddr, Ip("192.0.2.10").bytes.data(), 4);
  std::memcpy(&key.daddr, Ip("172.17.1.1").bytes.data(), 4);
  key.sport = htons(40000);
  key.dport = htons(80);
  key.proto = 6;
  gwapi_ct_val val{};
  EXPECT_EQ(bpf_map_lookup_elem(dp_->flow_table_v4_fd(), &key, &val), 0) << "not a hit";
}

TEST_F(TcTest, AttachesToAnInterfaceAndDetaches) {
  // In a child in its own network namespace, on its loopback device, so no
  // real interface of the machine is touched.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(10);
    DatapathOptions o;
    o.pin_path = pins_.globals();
    o.pin_own_maps = false;
    o.socket_lb = false;
    o.ifindex = 1;  // lo
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, q, .handle = 0x6777, .priority = 1);
    {
      auto d = Datapath::Create(o);
      if (!d.ok()) _exit(11);
      if (bpf_tc_query(&hook, &q) != 0) _exit(12);
      bpf_prog_info info{};
      uint32_t len = sizeof(info);
      if (bpf_obj_get_info_by_fd((*d)->tc_ingress_fd(), &info, &len) != 0) _exit(13);
      if (q.prog_id != info.id) _exit(14);
      hook.attach_point = BPF_TC_EGRESS;
      LIBBPF_OPTS(bpf_tc_opts, q2, .handle = 0x6777, .priority = 1);
      if (bpf_tc_query(&hook, &q2) != 0) _exit(15);
    }
    LIBBPF_OPTS(bpf_tc_opts, q3, .handle = 0x6777, .priority = 1);
    hook.attach_point = BPF_TC_INGRESS;
    if (bpf_tc_query(&hook, &q3) == 0) _exit(16);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10 unshare, 11 Create, 12/15 not attached, 13 prog info, 14 other program, "
         "16 still attached after destruction";
}

TEST_F(TcTest, ProtocolDifferentiationSeparatesTcpAndUdp) {
  // Maps of their own, written with IANA protocol numbers in the keys, and
  // a datapath told so through its .rodata setting.
  testing::PinDir pins;
  ASSERT_TRUE(pins.ok());
  LibbpfMapOptions mo;
  mo.pin_path = pins.globals();
  mo.sizes = {1024, 1024, 1024};
  auto backend = LibbpfMapBackend::Open(mo);
  ASSERT_TRUE(backend.ok()) << backend.status();
  WriterOptions wo;
  wo.protocol_differentiation = true;
  auto writer = Writer::Create(backend->get(), wo);
  ASSERT_TRUE(writer.ok()) << writer.status();
  DesiredState d;
  d.frontends = {
      Fe("172.17.0.90", 53, FrontendType::kLoadBalancer, {Be("10.1.0.1", 5300)}),
      Fe("172.17.0.90", 53, FrontendType::kLoadBalancer,
         {Be("10.1.0.2", 5301, 1, BackendState::kActive, Protocol::kUdp)}, Protocol::kUdp),
  };
  ASSERT_OK((*writer)->Sync(d));
  DatapathOptions o;
  o.pin_path = pins.globals();
  o.socket_lb = false;
  o.protocol_differentiation = true;
  auto dp = Datapath::Create(o);
  ASSERT_TRUE(dp.ok()) << dp.status();
  const PacketSpec tcp = Pkt("192.0.2.10", 40000, "172.17.0.90", 53);
  const PacketSpec udp = Pkt("192.0.2.10", 40000, "172.17.0.90", 53, Protocol::kUdp);
  Expect((*dp)->tc_ingress_fd(), tcp, TC_ACT_OK, With(tcp, "10.1.0.1", 5300));
  Expect((*dp)->tc_ingress_fd(), udp, TC_ACT_OK, With(udp, "10.1.0.2", 5301));
  // Without the setting the lookup uses protocol 0 and finds neither.
  o.protocol_differentiation = false;
  o.pin_own_maps = false;
  auto dp0 = Datapath::Create(o);
  ASSERT_TRUE(dp0.ok()) << dp0.status();
  Expect((*dp0)->tc_ingress_fd(), tcp, TC_ACT_OK, tcp);
  Expect((*dp0)->tc_ingress_fd(), udp, TC_ACT_OK, udp);
}

TEST_F(TcTest, RefusesMissingMaps) {
  DatapathOptions o;
  o.pin_path = pins_.path() + "/nowhere";
  o.socket_lb = false;
  auto d = Datapath::Create(o);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound) << d.status();
}

}  // namespace
}  // namespace gwapi::lb
