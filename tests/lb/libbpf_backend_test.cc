// The Writer against real pinned BPF maps through libbpf. Each test pins
// under its own directory in /sys/fs/bpf (mounting bpffs there if needed)
// and removes every pin it made, also when it fails. Without root or BPF
// the tests are skipped with the reason.
#include "lib/lb/libbpf_backend.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "lib/lb/list.h"
#include "lib/lb/writer.h"
#include "tests/lb/bpffs.h"
#include "tests/lb/testing.h"

namespace gwapi::lb {
namespace {

using testing::Be;
using testing::ClusterIP;
using testing::SeedScenario;
using testing::Snapshot;

class LibbpfBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = bpffs::BpfUnavailable();
    if (!why.empty()) GTEST_SKIP() << "SKIPPED: real BPF maps unavailable: " << why;
    // Made only now: BpfUnavailable() may have had to mount bpffs first.
    pins_.emplace("gwapi_lb_test_");
    ASSERT_TRUE(pins_->ok()) << pins_->error();
    dir_ = pins_->path();
  }

  LibbpfMapOptions Options() const {
    LibbpfMapOptions o;
    o.pin_path = pins_->globals();
    o.sizes.services = 1024;
    o.sizes.backends = 1024;
    o.sizes.rev_nat = 1024;
    return o;
  }

  std::unique_ptr<LibbpfMapBackend> Open(LibbpfMapOptions o) {
    auto b = LibbpfMapBackend::Open(std::move(o));
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? std::move(*b) : nullptr;
  }

  // Every pin a test makes lives in pins_, possibly in subdirectories.
  std::optional<bpffs::PinDir> pins_;
  std::string dir_;
};

TEST_F(LibbpfBackendTest, CreatesAndPinsMapsWithCiliumLayout) {
  auto b = Open(Options());
  ASSERT_NE(b, nullptr);
  for (MapId m : kAllMaps) {
    const MapSpec& spec = GetMapSpec(m);
    int fd = bpf_obj_get(b->PinPathOf(m).c_str());
    ASSERT_GE(fd, 0) << spec.name;
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    uint32_t len = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
    close(fd);
    EXPECT_EQ(info.type, BPF_MAP_TYPE_HASH) << spec.name;
    EXPECT_EQ(info.key_size, spec.key_size) << spec.name;
    EXPECT_EQ(info.value_size, spec.value_size) << spec.name;
    EXPECT_EQ(info.max_entries, 1024u) << spec.name;
    EXPECT_TRUE(info.map_flags & BPF_F_NO_PREALLOC) << spec.name;
  }
}

TEST_F(LibbpfBackendTest, SyncWritesSameBytesAsInMemoryAndListsThem) {
  auto b = Open(Options());
  ASSERT_NE(b, nullptr);
  auto w = Writer::Create(b.get());
  ASSERT_TRUE(w.ok()) << w.status();
  DesiredState d = SeedScenario();
  d.frontends.push_back(ClusterIP("fd00::10", 8000, {Be("fd00:244::2e", 8080)}));
  ASSERT_TRUE((*w)->Sync(d).ok());

  InMemoryMapBackend mem;
  auto wm = Writer::Create(&mem);
  ASSERT_TRUE(wm.ok());
  ASSERT_TRUE((*wm)->Sync(d).ok());
  EXPECT_EQ(Snapshot(*b), Snapshot(mem));

  auto rows = List(*b);
  ASSERT_TRUE(rows.ok()) << rows.status();
  auto mem_rows = List(mem);
  ASSERT_TRUE(mem_rows.ok());
  EXPECT_EQ(FormatList(*rows), FormatList(*mem_rows));
  EXPECT_NE(FormatList(*rows).find("172.17.0.64:80/ANY (0)    0.0.0.0:0 (1) (0) "
                                   "[LoadBalancer, l7-load-balancer] (L7LB Proxy Port: 12141)"),
            std::string::npos)
      << FormatList(*rows);
}

TEST_F(LibbpfBackendTest, RestartedWriterRewritesNothing) {
  DesiredState d = SeedScenario();
  d.frontends[1].backends.push_back(Be("10.244.1.48", 8080, 1, BackendState::kTerminating));
  {
    auto b = Open(Options());
    ASSERT_NE(b, nullptr);
    auto w = Writer::Create(b.get());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Sync(d).ok());
  }
  auto b = Open(Options());
  ASSERT_NE(b, nullptr);
  auto before = Snapshot(*b);
  auto w = Writer::Create(b.get());
  ASSERT_TRUE(w.ok()) << w.status();
  b->ResetSyscalls();
  ASSERT_TRUE((*w)->Sync(d).ok());
  EXPECT_EQ((*w)->last_sync().entries_written, 0u);
  EXPECT_EQ((*w)->last_sync().entries_deleted, 0u);
  EXPECT_EQ(b->syscalls(), 0u);
  EXPECT_EQ(Snapshot(*b), before);
}

TEST_F(LibbpfBackendTest, PinnedMapWithWrongValueSizeIsRefused) {
  LibbpfMapOptions o = Options();
  ASSERT_EQ(mkdir((dir_ + "/tc").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(o.pin_path.c_str(), 0755), 0);
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
  int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "cilium_lb4_back", 4, 8, 1024, &opts);
  ASSERT_GE(fd, 0);
  const std::string pin = o.pin_path + "/cilium_lb4_backends_v3";
  ASSERT_EQ(bpf_obj_pin(fd, pin.c_str()), 0);
  close(fd);
  auto b = LibbpfMapBackend::Open(o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(b.status().message().find("cilium_lb4_backends_v3"), absl::string_view::npos)
      << b.status();
  EXPECT_NE(b.status().message().find("value size 8 (want 12)"), absl::string_view::npos)
      << b.status();
}

TEST_F(LibbpfBackendTest, MaxEntriesMismatchIsRefused) {
  { ASSERT_NE(Open(Options()), nullptr); }
  LibbpfMapOptions o = Options();
  o.sizes.services = 2048;
  auto b = LibbpfMapBackend::Open(o);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("cilium_lb4_services_v2"), absl::string_view::npos)
      << b.status();
}

// The kernel, not the planner, finds the map full (another program filled
// it behind the Writer's back): the sync fails naming the map and leaves
// every entry as it was.
TEST_F(LibbpfBackendTest, KernelFullMapRollsBackToOldState) {
  LibbpfMapOptions o = Options();
  o.sizes.backends = 4;
  auto b = Open(o);
  ASSERT_NE(b, nullptr);
  auto w = Writer::Create(b.get());
  ASSERT_TRUE(w.ok());
  DesiredState d;
  d.frontends.push_back(ClusterIP("10.96.0.10", 80, {Be("10.244.1.1", 80), Be("10.244.1.2", 80)}));
  ASSERT_TRUE((*w)->Sync(d).ok());

  int fd = bpf_obj_get(b->PinPathOf(MapId::kBackends4).c_str());
  ASSERT_GE(fd, 0);
  for (uint32_t id : {1000u, 1001u}) {
    gwapi_lb4_backend v = EncodeBackend4(testing::Ip("10.1.1.1"), id, 0, 0);
    ASSERT_EQ(bpf_map_update_elem(fd, &id, &v, BPF_ANY), 0);
  }
  close(fd);
  auto before = Snapshot(*b);

  d.frontends[0].backends.push_back(Be("10.244.1.3", 80));
  d.frontends.push_back(ClusterIP("10.96.0.11", 80, {Be("10.244.1.4", 80)}));
  absl::Status s = (*w)->Sync(d);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("cilium_lb4_backends_v3"), absl::string_view::npos) << s;
  EXPECT_EQ(Snapshot(*b), before);
}

TEST_F(LibbpfBackendTest, BatchAndElementWiseWriteTheSameWithFewerSyscalls) {
  DesiredState d;
  for (int i = 0; i < 50; ++i) {
    std::string vip = "10.96.2." + std::to_string(i);
    std::vector<Backend> bs;
    for (int j = 0; j < 4; ++j) {
      bs.push_back(Be(("10.245." + std::to_string(i) + "." + std::to_string(j)).c_str(), 80));
    }
    d.frontends.push_back(ClusterIP(vip.c_str(), 80, bs));
  }
  LibbpfMapOptions batch = Options();
  batch.pin_path = dir_ + "/batch";
  LibbpfMapOptions elem = Options();
  elem.pin_path = dir_ + "/elem";
  elem.use_batch_ops = false;
  auto bb = Open(batch);
  auto be = Open(elem);
  ASSERT_NE(bb, nullptr);
  ASSERT_NE(be, nullptr);
  auto wb = Writer::Create(bb.get());
  auto we = Writer::Create(be.get());
  ASSERT_TRUE(wb.ok());
  ASSERT_TRUE(we.ok());
  bb->ResetSyscalls();
  be->ResetSyscalls();
  ASSERT_TRUE((*wb)->Sync(d).ok());
  ASSERT_TRUE((*we)->Sync(d).ok());
  // One call per element (50 masters, 200 slots, 200 backends, 50 reverse
  // NAT entries) against one per step and map.
  EXPECT_EQ(be->syscalls(), 500u);
  EXPECT_EQ(bb->syscalls(), 4u);
  EXPECT_EQ(Snapshot(*bb), Snapshot(*be));
}

// Batches of kParallelBatchMin elements or more are split between threads;
// the result must be the same as the in-memory writer's, and so must a
// sync that then replaces a backend in every frontend.
TEST_F(LibbpfBackendTest, LargeBatchesSplitBetweenThreadsWriteTheSame) {
  auto build = [](int gen) {
    DesiredState d;
    for (int i = 0; i < 2000; ++i) {
      std::vector<Backend> bs;
      for (int j = 0; j < 10; ++j) {
        const int n = i * 10 + j + (j == 0 ? gen * 100000 : 0);
        bs.push_back(Be(("10." + std::to_string(100 + n / 65536) + "." +
                         std::to_string((n / 256) % 256) + "." + std::to_string(n % 256))
                            .c_str(),
                        8080));
      }
      const std::string vip = "10.96." + std::to_string(i / 256) + "." + std::to_string(i % 256);
      d.frontends.push_back(ClusterIP(vip.c_str(), 80, bs));
    }
    return d;
  };
  LibbpfMapOptions o = Options();
  o.sizes.services = 1 << 16;
  o.sizes.backends = 1 << 16;
  o.sizes.rev_nat = 4096;
  o.write_threads = 2;
  auto b = Open(o);
  ASSERT_NE(b, nullptr);
  auto w = Writer::Create(b.get());
  ASSERT_TRUE(w.ok());
  InMemoryMapBackend mem(o.sizes);
  auto wm = Writer::Create(&mem);
  ASSERT_TRUE(wm.ok());
  std::vector<uint64_t> sync_calls;
  for (int gen : {0, 1}) {
    b->ResetSyscalls();
    absl::Status s = (*w)->Sync(build(gen));
    ASSERT_TRUE(s.ok()) << s;
    sync_calls.push_back(b->syscalls());
    ASSERT_TRUE((*wm)->Sync(build(gen)).ok());
    EXPECT_EQ(Snapshot(*b), Snapshot(mem)) << "generation " << gen;
  }
  // First sync: 20,000 backends and 20,000 slots in two calls each (one per
  // thread), 2,000 reverse-NAT entries and masters in one call each. Second:
  // 2,000 new backends, slots and deletes, below the threshold.
  EXPECT_EQ(sync_calls, (std::vector<uint64_t>{6, 3}));
}

}  // namespace
}  // namespace gwapi::lb
