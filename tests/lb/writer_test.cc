// Writer behaviour on the in-memory map backend: bytes, write order,
// minimal diffs, ID sharing, restore and failure atomicity.
#include "lib/lb/writer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/lb/list.h"
#include "tests/lb/testing.h"

namespace gwapi::lb {
namespace {

using testing::Be;
using testing::Bytes;
using testing::ClusterIP;
using testing::Hex;
using testing::Ip;
using testing::SeedScenario;
using testing::Snapshot;
using Op = InMemoryMapBackend::Op;

std::unique_ptr<Writer> MakeWriter(MapBackend* b, WriterOptions o = {}) {
  auto w = Writer::Create(b, o);
  EXPECT_TRUE(w.ok()) << w.status();
  return std::move(*w);
}

// Hex of every entry of one map, "key => value", in key order.
std::vector<std::string> Dump(const InMemoryMapBackend& mem, MapId map) {
  std::vector<std::string> out;
  for (const auto& [k, v] : mem.entries(map)) out.push_back(Hex(k) + " => " + Hex(v));
  return out;
}

// Index of the first op matching, or -1.
int Find(const std::vector<Op>& ops, MapId map, Op::Kind kind, const std::string& key) {
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].map == map && ops[i].kind == kind && ops[i].key == key) return i;
  }
  return -1;
}

std::string SvcKey(const char* ip, uint16_t port, uint16_t slot) {
  gwapi_lb4_key k = EncodeKey4(Ip(ip), port, slot, 0, 0);
  return std::string(reinterpret_cast<const char*>(&k), sizeof(k));
}

std::string BeKey(uint32_t id) { return std::string(reinterpret_cast<const char*>(&id), 4); }

std::string RevKey(uint16_t rev) {
  gwapi_lb_reverse_nat_key k = EncodeRevNatKey(rev);
  return std::string(reinterpret_cast<const char*>(&k), 2);
}

TEST(LbWriter, SeedScenarioBytes) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  // Rev-NAT indices and backend IDs follow input order: the Gateway gets
  // rev NAT 1 and backend 1, the ClusterIP Service rev NAT 2 and backend 2.
  EXPECT_EQ(Dump(mem, MapId::kServices4),
            (std::vector<std::string>{
                // 10.96.0.10:8000 master, slot 1
                "0a 60 00 0a 1f 40 00 00 00 00 00 00 => 00 00 00 00 01 00 00 02 00 00 00 00",
                "0a 60 00 0a 1f 40 01 00 00 00 00 00 => 02 00 00 00 00 00 00 02 00 00 00 00",
                // 172.17.0.64:80 master (proxy port 12141), slot 1
                "ac 11 00 40 00 50 00 00 00 00 00 00 => 2f 6d 00 00 01 00 00 01 60 04 00 00",
                "ac 11 00 40 00 50 01 00 00 00 00 00 => 01 00 00 00 00 00 00 01 00 00 00 00",
            }));
  EXPECT_EQ(Dump(mem, MapId::kBackends4), (std::vector<std::string>{
                                              "01 00 00 00 => c0 c0 c0 c0 27 0f 00 00 00 00 00 00",
                                              "02 00 00 00 => 0a f4 01 2e 1f 90 00 00 00 00 00 00",
                                          }));
  EXPECT_EQ(Dump(mem, MapId::kRevNat4), (std::vector<std::string>{
                                            "00 01 => ac 11 00 40 00 50",
                                            "00 02 => 0a 60 00 0a 1f 40",
                                        }));
  EXPECT_TRUE(mem.entries(MapId::kServices6).empty());
  EXPECT_EQ(w->RevNatIndex(Ip("172.17.0.64"), 80, Protocol::kTcp), 1);
  EXPECT_EQ(w->BackendId(Ip("10.244.1.46"), 8080, Protocol::kTcp), 2u);
}

TEST(LbWriter, NewFrontendWrittenBackendsSlotsRevNatThenMaster) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(
      ClusterIP("10.96.0.10", 8000, {Be("10.244.1.46", 8080), Be("10.244.1.47", 8080)}));
  ASSERT_TRUE(w->Sync(d).ok());
  const auto& ops = mem.ops();
  const int be1 = Find(ops, MapId::kBackends4, Op::kUpdate, BeKey(1));
  const int be2 = Find(ops, MapId::kBackends4, Op::kUpdate, BeKey(2));
  const int s1 = Find(ops, MapId::kServices4, Op::kUpdate, SvcKey("10.96.0.10", 8000, 1));
  const int s2 = Find(ops, MapId::kServices4, Op::kUpdate, SvcKey("10.96.0.10", 8000, 2));
  const int rev = Find(ops, MapId::kRevNat4, Op::kUpdate, RevKey(1));
  const int master = Find(ops, MapId::kServices4, Op::kUpdate, SvcKey("10.96.0.10", 8000, 0));
  ASSERT_GE(be1, 0);
  ASSERT_GE(be2, 0);
  EXPECT_LT(std::max(be1, be2), std::min(s1, s2));
  EXPECT_LT(std::max(s1, s2), rev);
  EXPECT_LT(rev, master);
  EXPECT_EQ(ops.size(), 6u);
}

TEST(LbWriter, ShrinkingFrontendUpdatesMasterBeforeDeletingSlotsAndBackends) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(
      ClusterIP("10.96.0.10", 8000, {Be("10.244.1.46", 8080), Be("10.244.1.47", 8080)}));
  ASSERT_TRUE(w->Sync(d).ok());
  mem.ClearOps();
  d.frontends[0].backends = {Be("10.244.1.48", 8080)};
  ASSERT_TRUE(w->Sync(d).ok());
  const auto& ops = mem.ops();
  const int new_be = Find(ops, MapId::kBackends4, Op::kUpdate, BeKey(3));
  const int slot1 = Find(ops, MapId::kServices4, Op::kUpdate, SvcKey("10.96.0.10", 8000, 1));
  const int master = Find(ops, MapId::kServices4, Op::kUpdate, SvcKey("10.96.0.10", 8000, 0));
  const int del_slot2 = Find(ops, MapId::kServices4, Op::kDelete, SvcKey("10.96.0.10", 8000, 2));
  const int del_be1 = Find(ops, MapId::kBackends4, Op::kDelete, BeKey(1));
  const int del_be2 = Find(ops, MapId::kBackends4, Op::kDelete, BeKey(2));
  ASSERT_GE(new_be, 0);
  ASSERT_GE(del_be1, 0);
  ASSERT_GE(del_be2, 0);
  EXPECT_LT(new_be, slot1);
  EXPECT_LT(slot1, master);
  EXPECT_LT(master, del_slot2);
  EXPECT_LT(del_slot2, std::min(del_be1, del_be2));
  // The reverse-NAT entry did not change and is not rewritten.
  EXPECT_EQ(Find(ops, MapId::kRevNat4, Op::kUpdate, RevKey(1)), -1);
  EXPECT_EQ(ops.size(), 6u);
}

TEST(LbWriter, RemovedFrontendDeletedMasterFirstThenSlotsRevNatBackends) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  mem.ClearOps();
  DesiredState d = SeedScenario();
  d.frontends.pop_back();  // drop the ClusterIP Service
  ASSERT_TRUE(w->Sync(d).ok());
  const auto& ops = mem.ops();
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(Find(ops, MapId::kServices4, Op::kDelete, SvcKey("10.96.0.10", 8000, 0)), 0);
  EXPECT_EQ(Find(ops, MapId::kServices4, Op::kDelete, SvcKey("10.96.0.10", 8000, 1)), 1);
  EXPECT_EQ(Find(ops, MapId::kRevNat4, Op::kDelete, RevKey(2)), 2);
  EXPECT_EQ(Find(ops, MapId::kBackends4, Op::kDelete, BeKey(2)), 3);
  EXPECT_EQ(w->last_sync().frontends_removed, 1u);
}

TEST(LbWriter, UnchangedSyncWritesNothing) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  mem.ClearOps();
  const uint64_t calls = mem.calls();
  ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  EXPECT_TRUE(mem.ops().empty());
  EXPECT_EQ(mem.calls(), calls);
  EXPECT_EQ(w->last_sync().backend_calls, 0u);
}

TEST(LbWriter, ChangingOneBackendWritesOnlyThatSlotAndBackend) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  for (int i = 0; i < 20; ++i) {
    std::string vip = "10.96.1." + std::to_string(i);
    std::vector<Backend> bs;
    for (int j = 0; j < 3; ++j) {
      bs.push_back(Be(("10.244." + std::to_string(i) + "." + std::to_string(j)).c_str(), 8080));
    }
    d.frontends.push_back(ClusterIP(vip.c_str(), 80, bs));
  }
  ASSERT_TRUE(w->Sync(d).ok());
  mem.ClearOps();
  d.frontends[7].backends[1] = Be("10.244.7.99", 8080);
  ASSERT_TRUE(w->Sync(d).ok());
  // New backend, slot 2 of that frontend, old backend deleted; nothing else.
  ASSERT_EQ(mem.ops().size(), 3u);
  EXPECT_EQ(mem.ops()[0].map, MapId::kBackends4);
  EXPECT_EQ(mem.ops()[0].kind, Op::kUpdate);
  EXPECT_EQ(mem.ops()[1].key, SvcKey("10.96.1.7", 80, 2));
  EXPECT_EQ(mem.ops()[2].map, MapId::kBackends4);
  EXPECT_EQ(mem.ops()[2].kind, Op::kDelete);
  EXPECT_EQ(w->last_sync().frontends_changed, 1u);
}

TEST(LbWriter, SharedBackendHasOneIdAndLivesWhileReferenced) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(ClusterIP("10.96.0.10", 80, {Be("10.244.1.46", 8080)}));
  d.frontends.push_back(ClusterIP("10.96.0.11", 80, {Be("10.244.1.46", 8080)}));
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_EQ(mem.entries(MapId::kBackends4).size(), 1u);
  const uint32_t id = *w->BackendId(Ip("10.244.1.46"), 8080, Protocol::kTcp);

  d.frontends.pop_back();
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_EQ(mem.entries(MapId::kBackends4).size(), 1u);
  EXPECT_EQ(w->BackendId(Ip("10.244.1.46"), 8080, Protocol::kTcp), id);

  d.frontends[0].backends = {Be("10.244.1.47", 8080)};
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_FALSE(w->BackendId(Ip("10.244.1.46"), 8080, Protocol::kTcp).has_value());
  EXPECT_EQ(mem.entries(MapId::kBackends4).count(BeKey(id)), 0u);

  // A freed ID is not handed out again at once.
  d.frontends[0].backends.push_back(Be("10.244.1.46", 8080));
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_NE(w->BackendId(Ip("10.244.1.46"), 8080, Protocol::kTcp), id);
}

TEST(LbWriter, WeightsRepeatSlotsAndTerminatingBackendsGetNone) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(ClusterIP("10.96.0.10", 80,
                                  {Be("10.244.1.1", 80, 10), Be("10.244.1.2", 80, 30),
                                   Be("10.244.1.3", 80, 1, BackendState::kTerminating)}));
  ASSERT_TRUE(w->Sync(d).ok());
  auto rows = List(mem);
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> lines;
  for (const ListRow& r : *rows) lines.push_back(r.ServiceText() + " " + r.BackendText());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "10.96.0.10:80/ANY (0) 0.0.0.0:0 (1) (0) [ClusterIP, non-routable]",
                       "10.96.0.10:80/ANY (1) 10.244.1.1:80/ANY (1) (1)",
                       "10.96.0.10:80/ANY (2) 10.244.1.2:80/ANY (1) (2)",
                       "10.96.0.10:80/ANY (3) 10.244.1.2:80/ANY (1) (3)",
                       "10.96.0.10:80/ANY (4) 10.244.1.2:80/ANY (1) (4)",
                   }));
  EXPECT_EQ((*rows)[0].count, 4);
  // The terminating backend stays in the backends map, marked terminating.
  const uint32_t tid = *w->BackendId(Ip("10.244.1.3"), 80, Protocol::kTcp);
  ASSERT_EQ(mem.entries(MapId::kBackends4).count(BeKey(tid)), 1u);
  EXPECT_EQ(mem.entries(MapId::kBackends4).at(BeKey(tid))[7], GWAPI_LB_BE_STATE_TERMINATING);
}

TEST(LbWriter, ListSeedScenarioLikeCiliumDbg) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  auto rows = List(mem);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(FormatList(*rows),
            "SERVICE ADDRESS           BACKEND ADDRESS (REVNAT_ID) (SLOT)\n"
            "10.96.0.10:8000/ANY (0)   0.0.0.0:0 (2) (0) [ClusterIP, non-routable]\n"
            "10.96.0.10:8000/ANY (1)   10.244.1.46:8080/ANY (2) (1)\n"
            "172.17.0.64:80/ANY (0)    0.0.0.0:0 (1) (0) [LoadBalancer, l7-load-balancer] "
            "(L7LB Proxy Port: 12141)\n"
            "172.17.0.64:80/ANY (1)    192.192.192.192:9999/ANY (1) (1)\n");
}

TEST(LbList, SortedNumericallyIpv4BeforeIpv6ThenPortAndSlot) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(ClusterIP("fd00::1", 80, {Be("fd00::2", 80)}));
  d.frontends.push_back(ClusterIP("10.96.0.10", 80, {Be("10.244.0.1", 80)}));
  d.frontends.push_back(ClusterIP("10.96.0.9", 443, {Be("10.244.0.2", 80)}));
  d.frontends.push_back(ClusterIP("10.96.0.9", 80, {Be("10.244.0.3", 80), Be("10.244.0.4", 80)}));
  ASSERT_TRUE(w->Sync(d).ok());
  auto rows = List(mem);
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> keys;
  for (const ListRow& r : *rows) keys.push_back(r.ServiceText());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "10.96.0.9:80/ANY (0)",
                      "10.96.0.9:80/ANY (1)",
                      "10.96.0.9:80/ANY (2)",
                      "10.96.0.9:443/ANY (0)",
                      "10.96.0.9:443/ANY (1)",
                      "10.96.0.10:80/ANY (0)",
                      "10.96.0.10:80/ANY (1)",
                      "[fd00::1]:80/ANY (0)",
                      "[fd00::1]:80/ANY (1)",
                  }));
}

TEST(LbWriter, Ipv6FrontendGoesToLb6Maps) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(ClusterIP("fd00::10", 8000, {Be("fd00:244::2e", 8080)}));
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_TRUE(mem.entries(MapId::kServices4).empty());
  EXPECT_EQ(mem.entries(MapId::kServices6).size(), 2u);
  EXPECT_EQ(mem.entries(MapId::kBackends6).size(), 1u);
  ASSERT_EQ(mem.entries(MapId::kRevNat6).size(), 1u);
  EXPECT_EQ(Hex(mem.entries(MapId::kRevNat6).begin()->second),
            Hex(Bytes("fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 1f 40")));
  auto rows = List(mem);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[1].ServiceText() + " " + (*rows)[1].BackendText(),
            "[fd00::10]:8000/ANY (1) [fd00:244::2e]:8080/ANY (1) (1)");
}

TEST(LbWriter, RestartedWriterRestoresIdsAndRewritesNothing) {
  InMemoryMapBackend mem;
  DesiredState d = SeedScenario();
  d.frontends[1].backends.push_back(Be("10.244.1.47", 8080, 2));
  d.frontends[1].backends.push_back(Be("10.244.1.48", 8080, 1, BackendState::kTerminating));
  {
    auto w = MakeWriter(&mem);
    ASSERT_TRUE(w->Sync(d).ok());
  }
  auto before = Snapshot(mem);
  mem.ClearOps();
  auto w = MakeWriter(&mem);
  EXPECT_EQ(w->RevNatIndex(Ip("10.96.0.10"), 8000, Protocol::kTcp), 2);
  EXPECT_EQ(w->BackendId(Ip("10.244.1.46"), 8080, Protocol::kTcp), 2u);
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_TRUE(mem.ops().empty()) << mem.ops().size() << " writes after restart";
  EXPECT_EQ(Snapshot(mem), before);

  // And continues: a new frontend gets a fresh index, not a restored one.
  d.frontends.push_back(ClusterIP("10.96.0.12", 80, {Be("10.244.1.46", 8080)}));
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_EQ(w->RevNatIndex(Ip("10.96.0.12"), 80, Protocol::kTcp), 3);
  EXPECT_EQ(mem.entries(MapId::kBackends4).size(), 4u);
}

TEST(LbWriter, RestoreDeletesOrphansOnFirstSync) {
  InMemoryMapBackend mem;
  {
    auto w = MakeWriter(&mem);
    ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  }
  // Left behind by a crashed writer: a slot without a master, a reverse-NAT
  // entry and a backend nobody references.
  gwapi_lb4_key k = EncodeKey4(Ip("10.96.9.9"), 80, 1, 0, 0);
  gwapi_lb_service s = EncodeSlot(77, 40);
  ASSERT_TRUE(mem.Update(MapId::kServices4, &k, &s, 1).ok());
  gwapi_lb_reverse_nat_key rk = EncodeRevNatKey(40);
  gwapi_lb4_reverse_nat rv = EncodeRevNat4(Ip("10.96.9.9"), 80);
  ASSERT_TRUE(mem.Update(MapId::kRevNat4, &rk, &rv, 1).ok());
  uint32_t id = 77;
  gwapi_lb4_backend bv = EncodeBackend4(Ip("10.244.9.9"), 80, 0, 0);
  ASSERT_TRUE(mem.Update(MapId::kBackends4, &id, &bv, 1).ok());

  InMemoryMapBackend clean;
  {
    auto w = MakeWriter(&clean);
    ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  }
  auto w = MakeWriter(&mem);
  ASSERT_TRUE(w->Sync(SeedScenario()).ok());
  EXPECT_EQ(Snapshot(mem), Snapshot(clean));
}

TEST(LbWriter, FullMapRefusedBeforeAnythingIsWritten) {
  MapSizes sizes;
  sizes.backends = 3;
  InMemoryMapBackend mem(sizes);
  auto w = MakeWriter(&mem);
  DesiredState d;
  d.frontends.push_back(ClusterIP("10.96.0.10", 80, {Be("10.244.1.1", 80), Be("10.244.1.2", 80)}));
  ASSERT_TRUE(w->Sync(d).ok());
  auto before = Snapshot(mem);
  mem.ClearOps();
  // Replacing both backends needs 4 entries at the peak (make-before-break).
  d.frontends[0].backends = {Be("10.244.1.3", 80), Be("10.244.1.4", 80)};
  absl::Status s = w->Sync(d);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("cilium_lb4_backends_v3"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("MapSizes::backends"), absl::string_view::npos) << s;
  EXPECT_TRUE(mem.ops().empty());
  EXPECT_EQ(Snapshot(mem), before);
  // The Writer is unchanged too: a sync that fits still works.
  d.frontends[0].backends = {Be("10.244.1.1", 80), Be("10.244.1.3", 80)};
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_EQ(mem.entries(MapId::kBackends4).size(), 2u);
}

// Fails the second sync at every element write in turn: each failure must
// leave the maps exactly as before, and the Writer able to finish the sync.
TEST(LbWriter, FailedWriteAtAnyPointRollsBackEveryFrontend) {
  DesiredState d1 = SeedScenario();
  d1.frontends.push_back(ClusterIP("10.96.0.20", 80, {Be("10.244.2.1", 80), Be("10.244.2.2", 80)}));
  d1.frontends.push_back(ClusterIP("fd00::20", 80, {Be("fd00::2:1", 80), Be("fd00::2:2", 80)}));
  DesiredState d2 = d1;
  d2.frontends.erase(d2.frontends.begin());                     // remove the Gateway
  d2.frontends[0].backends.push_back(Be("10.244.1.50", 8080));  // grow
  d2.frontends[1].backends = {Be("10.244.2.3", 80)};            // shrink and replace
  d2.frontends[2].backends[1] = Be("fd00::2:3", 80);            // replace, IPv6 maps
  d2.frontends.push_back(ClusterIP("10.96.0.30", 80, {Be("10.244.3.1", 80)}));  // add

  InMemoryMapBackend reference;
  {
    auto w = MakeWriter(&reference);
    ASSERT_TRUE(w->Sync(d1).ok());
    reference.ClearOps();
    ASSERT_TRUE(w->Sync(d2).ok());
  }
  const size_t writes = reference.ops().size();
  ASSERT_GT(writes, 10u);

  for (size_t fail_at = 0; fail_at < writes; ++fail_at) {
    SCOPED_TRACE("failing element write " + std::to_string(fail_at));
    InMemoryMapBackend mem;
    auto w = MakeWriter(&mem);
    ASSERT_TRUE(w->Sync(d1).ok());
    auto before = Snapshot(mem);
    mem.FailAfter(fail_at, absl::UnavailableError("injected"));
    absl::Status s = w->Sync(d2);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(Snapshot(mem), before);
    ASSERT_TRUE(w->Sync(d2).ok());
    EXPECT_EQ(Snapshot(mem), Snapshot(reference));
  }
}

TEST(LbWriter, InvalidDesiredStateRejectedWithoutWrites) {
  InMemoryMapBackend mem;
  auto w = MakeWriter(&mem);
  DesiredState dup = SeedScenario();
  dup.frontends.push_back(dup.frontends[1]);
  EXPECT_EQ(w->Sync(dup).code(), absl::StatusCode::kInvalidArgument);
  DesiredState no_port = SeedScenario();
  no_port.frontends[0].l7_proxy_port = 0;
  EXPECT_EQ(w->Sync(no_port).code(), absl::StatusCode::kInvalidArgument);
  DesiredState mixed = SeedScenario();
  mixed.frontends[1].backends.push_back(Be("fd00::1", 80));
  EXPECT_EQ(w->Sync(mixed).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(mem.ops().empty());
}

TEST(LbWriter, ProtocolDifferentiationSeparatesTcpAndUdp) {
  DesiredState d;
  d.frontends.push_back(ClusterIP("10.96.0.10", 53, {Be("10.244.1.46", 53)}));
  d.frontends.push_back(ClusterIP("10.96.0.10", 53, {Be("10.244.1.46", 53)}));
  d.frontends[1].protocol = Protocol::kUdp;
  d.frontends[1].backends[0].protocol = Protocol::kUdp;
  {
    InMemoryMapBackend mem;
    auto w = MakeWriter(&mem);
    EXPECT_EQ(w->Sync(d).code(), absl::StatusCode::kInvalidArgument);
  }
  InMemoryMapBackend mem;
  WriterOptions o;
  o.protocol_differentiation = true;
  auto w = MakeWriter(&mem, o);
  ASSERT_TRUE(w->Sync(d).ok());
  EXPECT_EQ(mem.entries(MapId::kServices4).size(), 4u);
  EXPECT_EQ(mem.entries(MapId::kBackends4).size(), 2u);
}

}  // namespace
}  // namespace gwapi::lb
