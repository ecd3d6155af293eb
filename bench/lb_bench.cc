// LB map sync into real pinned BPF maps (issue: eBPF load balancing).
//
//   BM_LbSync_Full/<services>: Writer::Sync of <services> ClusterIP
//     services with 10 backends each (every backend distinct, so 11 service
//     entries, 10 backends and 1 reverse-NAT entry per service) into empty
//     maps, with batch map commands.
//   BM_LbSync_OnePercent/<services>: on top of that state, a sync in which
//     1% of the services have one backend replaced (one new backend, one
//     slot rewritten, one backend deleted each); iterations alternate
//     between two such states.
//   ..._ElementWise: the same with one bpf() call per element, the
//     baseline the batch figures are compared with.
//   BM_LbSync_FullWriterOnly, BM_LbSync_OnePercentWriterOnly: the same
//     syncs into a backend that discards writes: the Writer's own share.
//   BM_LbMaps_RawInsert[Prealloc]/<services>: the kernel's share: the
//     entries of BM_LbSync_Full, encoded beforehand, written with one batch
//     call per map from one thread.
//   BM_LbSync_FullTwoThreads: the full sync with its large batches split
//     between two threads (LibbpfMapOptions::write_threads = 2).
//   BM_LbSync_FullPrealloc...: the full sync into preallocated maps
//     (Cilium's --preallocate-bpf-maps); the default maps, like Cilium's,
//     are BPF_F_NO_PREALLOC, where each insert allocates in the kernel.
//
// Counters: syscalls (the backend's own bpf() calls per sync), entries
// (map elements written or deleted per sync). Maps are created outside the
// timed region under a fresh directory of /sys/fs/bpf, which is removed at
// exit. Needs root; run with
//   bazel run -c opt //bench:lb_bench
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/lb/libbpf_backend.h"
#include "lib/lb/writer.h"
#include "tests/lb/bpffs.h"

namespace gwapi::bench {
namespace {

namespace bpffs = ::gwapi::lb::bpffs;

using lb::Address;
using lb::Backend;
using lb::DesiredState;
using lb::Frontend;

constexpr int kBackendsPerService = 10;

Address V4(uint32_t host_order) {
  return Address::V4(host_order >> 24, (host_order >> 16) & 0xff, (host_order >> 8) & 0xff,
                     host_order & 0xff);
}

// Service i: VIP 10.96.0.0 + i, port 80; backend j of it at
// 10.128.0.0 + i * 10 + j, port 8080. `generation` != 0 replaces backend 0
// of every 100th service (offset by generation) with an address outside
// the base range.
DesiredState Workload(int services, int generation) {
  DesiredState d;
  d.frontends.reserve(services);
  for (int i = 0; i < services; ++i) {
    Frontend f;
    f.address = V4((10u << 24) | (96u << 16) | static_cast<uint32_t>(i));
    f.port = 80;
    f.backends.reserve(kBackendsPerService);
    for (int j = 0; j < kBackendsPerService; ++j) {
      Backend b;
      b.address = V4((10u << 24) | (128u << 16) | static_cast<uint32_t>(i * 10 + j));
      b.port = 8080;
      f.backends.push_back(b);
    }
    if (generation != 0 && i % 100 == 0) {
      f.backends[0].address =
          V4((11u << 24) | (static_cast<uint32_t>(generation) << 16) | static_cast<uint32_t>(i));
    }
    d.frontends.push_back(std::move(f));
  }
  return d;
}

std::string& BenchDir() {
  static std::string* dir = new std::string();
  return *dir;
}

void Cleanup() {
  if (!BenchDir().empty()) bpffs::RemoveTree(BenchDir());
}

// A fresh pin directory under /sys/fs/bpf, mounting bpffs if needed, made
// once per process. False, with the benchmark skipped, if BPF is unusable.
bool Prepare(benchmark::State& state) {
  if (!BenchDir().empty()) return true;
  std::string why = bpffs::BpfUnavailable();
  if (why.empty()) BenchDir() = bpffs::MakePinDir("gwapi_lb_bench_", &why);
  if (BenchDir().empty()) {
    state.SkipWithError(why.c_str());
    return false;
  }
  std::atexit(Cleanup);
  return true;
}

// Maps large enough for 10,000 x 10 plus the 1% change: 110,000 service
// entries and 100,100 backends at the peak.
lb::LibbpfMapOptions Options(bool batch, bool prealloc, int run, uint32_t threads = 1) {
  lb::LibbpfMapOptions o;
  o.pin_path = absl::StrCat(BenchDir(), "/run", run);
  o.sizes.services = 1 << 17;
  o.sizes.backends = 1 << 17;
  o.sizes.rev_nat = 1 << 16;
  o.use_batch_ops = batch;
  o.preallocate = prealloc;
  o.write_threads = threads;
  return o;
}

struct Maps {
  std::unique_ptr<lb::LibbpfMapBackend> backend;
  std::unique_ptr<lb::Writer> writer;
};

// Fresh, empty maps (the previous run's pins are removed first).
Maps OpenEmpty(bool batch, bool prealloc, benchmark::State& state, uint32_t threads = 1) {
  static int run = 0;
  lb::LibbpfMapOptions o = Options(batch, prealloc, run++, threads);
  Maps m;
  auto b = lb::LibbpfMapBackend::Open(o);
  if (!b.ok()) {
    state.SkipWithError(std::string(b.status().message()).c_str());
    return m;
  }
  m.backend = std::move(*b);
  // The maps live while the fds are open; the pins are not needed.
  (void)m.backend->Unpin();
  bpffs::RemoveTree(o.pin_path);
  auto w = lb::Writer::Create(m.backend.get());
  if (!w.ok()) {
    state.SkipWithError(std::string(w.status().message()).c_str());
    return m;
  }
  m.writer = std::move(*w);
  return m;
}

void SetCounters(benchmark::State& state, uint64_t syscalls, uint64_t entries, uint64_t syncs) {
  state.counters["syscalls"] = static_cast<double>(syscalls) / syncs;
  state.counters["entries"] = static_cast<double>(entries) / syncs;
  state.SetItemsProcessed(static_cast<int64_t>(entries));
}

// The counters of the syncs into real maps, summed over the iterations.
struct SyncCounts {
  uint64_t syscalls = 0, entries = 0, syncs = 0;
  void Add(const Maps& m) {
    syscalls += m.backend->syscalls();
    entries += m.writer->last_sync().entries_written + m.writer->last_sync().entries_deleted;
    ++syncs;
  }
  void Report(benchmark::State& state) const { SetCounters(state, syscalls, entries, syncs); }
};

void FullSync(benchmark::State& state, bool batch, bool prealloc, uint32_t threads = 1) {
  if (!Prepare(state)) return;
  const DesiredState desired = Workload(state.range(0), 0);
  SyncCounts counts;
  for (auto _ : state) {
    state.PauseTiming();
    Maps m = OpenEmpty(batch, prealloc, state, threads);
    if (!m.writer) return;
    m.backend->ResetSyscalls();
    state.ResumeTiming();
    absl::Status s = m.writer->Sync(desired);
    state.PauseTiming();
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    counts.Add(m);
    m = Maps();
    // The kernel frees a closed map's elements from a worker; let it finish
    // so that work does not compete with the next timed sync.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    state.ResumeTiming();
  }
  counts.Report(state);
}

void OnePercent(benchmark::State& state, bool batch, bool prealloc) {
  if (!Prepare(state)) return;
  const DesiredState base = Workload(state.range(0), 0);
  const DesiredState a = Workload(state.range(0), 1);
  const DesiredState b = Workload(state.range(0), 2);
  Maps m = OpenEmpty(batch, prealloc, state);
  if (!m.writer) return;
  if (absl::Status s = m.writer->Sync(base); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  SyncCounts counts;
  bool flip = false;
  for (auto _ : state) {
    m.backend->ResetSyscalls();
    absl::Status s = m.writer->Sync(flip ? b : a);
    flip = !flip;
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    counts.Add(m);
  }
  counts.Report(state);
}

// Accepts every write and holds nothing: isolates the Writer's own work
// (diff, IDs, encoding) from the kernel's.
class NullBackend : public lb::MapBackend {
 public:
  uint32_t MaxEntries(lb::MapId) const override { return 1u << 30; }
  absl::Status Update(lb::MapId, const void*, const void*, uint32_t) override {
    return absl::OkStatus();
  }
  absl::Status Delete(lb::MapId, const void*, uint32_t, bool) override { return absl::OkStatus(); }
  absl::Status Dump(lb::MapId, std::vector<uint8_t>*, std::vector<uint8_t>*) override {
    return absl::OkStatus();
  }
};

// The Writer's share of BM_LbSync_Full: the same sync into NullBackend.
void BM_LbSync_FullWriterOnly(benchmark::State& state) {
  const DesiredState desired = Workload(state.range(0), 0);
  NullBackend null;
  for (auto _ : state) {
    state.PauseTiming();
    auto w = lb::Writer::Create(&null);
    state.ResumeTiming();
    if (absl::Status s = (*w)->Sync(desired); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    state.PauseTiming();
    w->reset();
    state.ResumeTiming();
  }
}

// The Writer's share of BM_LbSync_OnePercent.
void BM_LbSync_OnePercentWriterOnly(benchmark::State& state) {
  const DesiredState base = Workload(state.range(0), 0);
  const DesiredState a = Workload(state.range(0), 1);
  const DesiredState b = Workload(state.range(0), 2);
  NullBackend null;
  auto w = lb::Writer::Create(&null);
  if (!(*w)->Sync(base).ok()) std::abort();
  bool flip = false;
  for (auto _ : state) {
    if (!(*w)->Sync(flip ? b : a).ok()) std::abort();
    flip = !flip;
  }
}

// The kernel's share: the same 220,000 entries, encoded beforehand, written
// with one BPF_MAP_UPDATE_BATCH per map from one thread. No Writer.
void RawInsert(benchmark::State& state, bool prealloc) {
  if (!Prepare(state)) return;
  lb::InMemoryMapBackend mem(Options(true, prealloc, 0).sizes);
  {
    auto w = lb::Writer::Create(&mem);
    if (!(*w)->Sync(Workload(state.range(0), 0)).ok()) std::abort();
  }
  struct Packed {
    lb::MapId map;
    std::vector<uint8_t> keys, values;
    uint32_t n = 0;
  };
  std::vector<Packed> packed;
  for (lb::MapId m : {lb::MapId::kBackends4, lb::MapId::kServices4, lb::MapId::kRevNat4}) {
    Packed p{m};
    for (const auto& [k, v] : mem.entries(m)) {
      p.keys.insert(p.keys.end(), k.begin(), k.end());
      p.values.insert(p.values.end(), v.begin(), v.end());
      ++p.n;
    }
    packed.push_back(std::move(p));
  }
  uint64_t entries = 0, syscalls = 0, runs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    static int run = 1000;
    lb::LibbpfMapOptions o = Options(true, prealloc, run++);
    o.write_threads = 1;
    auto b = lb::LibbpfMapBackend::Open(o);
    if (!b.ok()) {
      state.SkipWithError(std::string(b.status().message()).c_str());
      return;
    }
    (void)(*b)->Unpin();
    bpffs::RemoveTree(o.pin_path);
    (*b)->ResetSyscalls();
    state.ResumeTiming();
    for (const Packed& p : packed) {
      if (!(*b)->Update(p.map, p.keys.data(), p.values.data(), p.n).ok()) std::abort();
      entries += p.n;
    }
    state.PauseTiming();
    syscalls += (*b)->syscalls();
    ++runs;
    b->reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    state.ResumeTiming();
  }
  SetCounters(state, syscalls, entries, runs);
}

void BM_LbMaps_RawInsert(benchmark::State& state) { RawInsert(state, false); }
void BM_LbMaps_RawInsertPrealloc(benchmark::State& state) { RawInsert(state, true); }

void BM_LbSync_Full(benchmark::State& state) { FullSync(state, true, false); }
void BM_LbSync_FullElementWise(benchmark::State& state) { FullSync(state, false, false); }
void BM_LbSync_FullTwoThreads(benchmark::State& state) { FullSync(state, true, false, 2); }
void BM_LbSync_FullPrealloc(benchmark::State& state) { FullSync(state, true, true); }
void BM_LbSync_FullPreallocElementWise(benchmark::State& state) { FullSync(state, false, true); }
void BM_LbSync_OnePercent(benchmark::State& state) { OnePercent(state, true, false); }
void BM_LbSync_OnePercentElementWise(benchmark::State& state) { OnePercent(state, false, false); }

BENCHMARK(BM_LbSync_FullWriterOnly)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_OnePercentWriterOnly)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbMaps_RawInsert)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbMaps_RawInsertPrealloc)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_Full)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_FullElementWise)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_FullTwoThreads)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_FullPrealloc)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_FullPreallocElementWise)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_LbSync_OnePercent)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LbSync_OnePercentElementWise)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace gwapi::bench

BENCHMARK_MAIN();
