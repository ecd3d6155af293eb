// Route matching (issue: route matching): route::Snapshot against the
// Envoy-like baseline (bench/match_baseline.h) over the same requests.
//
//   BM_Match_{Baseline,Snapshot}_<Shape>/<routes>: one match per iteration,
//     cycling through 4,096 pregenerated requests (70 % hits, 10 % hits on
//     the deepest prefixes, 10 % unknown hosts, 10 % unknown paths) so the
//     branch predictor cannot learn one; non-regex workload. Suffixes _Hit,
//     _DeepHit and _Miss use one kind of request only; _Warm16 goes round
//     16 requests of the mix only (a warm cache and a trained predictor).
//   BM_Match_Regex_{Baseline,Snapshot}_<Shape>/<routes>: the same with 2 %
//     regex paths (and a tenth of header matches regex); _OneHost/100000
//     puts all of them (about 4,300) under one hostname.
//   BM_Match_Compile_<Shape>/<routes>: Snapshot::Create from the message
//     (non-regex), with the heap it keeps per route (bytes_per_route,
//     counted by the operator new below) and IndexBytes() per route;
//     BM_Match_Compile_Load_* the same through Snapshot::Load from the
//     serialized message (a proxy receiving a snapshot);
//     BM_Match_Compile_Baseline_* builds the baseline.
//   BM_Match_Snapshot_Concurrent/<routes>/<pause_ms>/<mode>/threads:N:
//     N matching threads taking the snapshot from a route::SnapshotHolder
//     (mode 0: through a SnapshotHolder::Reader per request; n > 0: one
//     Get() per n requests) while a writer thread compiles and publishes
//     new ones (pause_ms -1: no writer); items/s is over all threads, in
//     real time.
//
// Before any timing, every request of a mix is matched by both matchers:
// they must agree on status, route and rule, or the benchmark fails naming
// the request (the first 20 go to stderr).
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "bench/match_baseline.h"
#include "bench/match_workload.h"
#include "benchmark/benchmark.h"
#include "lib/route/holder.h"
#include "lib/route/snapshot.h"

// ---------------------------------------------------------------------------
// Heap accounting for this binary: every operator new counts one allocation
// and the usable size of the block, per thread, so a benchmark reads what its
// own thread allocated (allocs_per_match) and keeps (bytes_per_route).

namespace {
thread_local int64_t t_allocs = 0;
thread_local int64_t t_live_bytes = 0;

void* CountedAlloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  ++t_allocs;
  t_live_bytes += static_cast<int64_t>(malloc_usable_size(p));
  return p;
}
void* CountedAlignedAlloc(size_t n, std::align_val_t al) {
  void* p = nullptr;
  size_t a = std::max(static_cast<size_t>(al), sizeof(void*));
  if (posix_memalign(&p, a, n == 0 ? 1 : n) != 0) throw std::bad_alloc();
  ++t_allocs;
  t_live_bytes += static_cast<int64_t>(malloc_usable_size(p));
  return p;
}
void CountedFree(void* p) noexcept {
  if (p == nullptr) return;
  t_live_bytes -= static_cast<int64_t>(malloc_usable_size(p));
  std::free(p);
}
}  // namespace

void* operator new(size_t n) { return CountedAlloc(n); }
void* operator new[](size_t n) { return CountedAlloc(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(size_t n, std::align_val_t al) { return CountedAlignedAlloc(n, al); }
void* operator new[](size_t n, std::align_val_t al) { return CountedAlignedAlloc(n, al); }
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t) noexcept { CountedFree(p); }
void operator delete(void* p, std::align_val_t) noexcept { CountedFree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { CountedFree(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { CountedFree(p); }

namespace gwapi::bench {
namespace {

constexpr size_t kRequests = 4096;  // a power of two: the index is masked
constexpr int kSizes[] = {100, 1000, 10000, 100000};

enum class Mix { kMixed, kHit, kDeepHit, kMiss };

const char* ShapeName(MatchShape s) {
  return s == MatchShape::kManyHosts ? "ManyHosts" : "FewHosts";
}
const char* MixSuffix(Mix m) {
  switch (m) {
    case Mix::kHit:
      return "_Hit";
    case Mix::kDeepHit:
      return "_DeepHit";
    case Mix::kMiss:
      return "_Miss";
    default:
      return "";
  }
}
RequestMix MixShares(Mix m) {
  switch (m) {
    case Mix::kHit:
      return {1, 0, 0, 0};
    case Mix::kDeepHit:
      return {0, 1, 0, 0};
    case Mix::kMiss:
      return {0, 0, 0.5, 0.5};
    default:
      return {};
  }
}

// One configuration, both matchers compiled from it; kept for the whole
// run (the 100,000-route ones take seconds to build).
struct Case {
  MatchWorkload workload;
  std::shared_ptr<const route::Snapshot> snapshot;
  std::unique_ptr<BaselineMatcher> baseline;
  std::string error;  // why the case cannot run
  int32_t gateway = -1;
};

// The workload variants: no regex (the default), 2 % regex paths, and the
// same on a single hostname (FewHosts only), so that one table holds all
// the regex paths.
enum class Variant : uint8_t { kPlain, kRegex, kRegexOneHost };

const char* VariantName(Variant v) {
  switch (v) {
    case Variant::kRegex:
      return " regex";
    case Variant::kRegexOneHost:
      return " regex, one host";
    default:
      return "";
  }
}

MatchWorkloadOptions Options(MatchShape shape, int routes, Variant v) {
  MatchWorkloadOptions o;
  o.shape = shape;
  o.routes = routes;
  o.regex_fraction = v == Variant::kPlain ? 0.0 : 0.02;
  if (v == Variant::kRegexOneHost) o.hostnames = 1;
  return o;
}

Case& GetCase(MatchShape shape, int routes, Variant variant) {
  static auto* cache = new std::map<std::tuple<MatchShape, int, Variant>, Case>();
  auto key = std::make_tuple(shape, routes, variant);
  if (auto it = cache->find(key); it != cache->end()) return it->second;
  Case& c = (*cache)[key];
  c.workload = GenerateMatchWorkload(Options(shape, routes, variant));
  auto snap = route::Snapshot::Create(c.workload.config);
  if (!snap.ok()) {
    c.error = absl::StrCat("Snapshot::Create: ", snap.status().ToString());
    return c;
  }
  c.snapshot = std::move(*snap);
  if (!c.snapshot->diagnostics().empty()) {
    const route::Diagnostic& d = c.snapshot->diagnostics()[0];
    c.error = absl::StrCat("Snapshot::Create dropped a rule of route ", d.route, " rule ", d.rule,
                           ": ", d.reason);
    return c;
  }
  c.gateway = c.snapshot->FindGateway("gateway-infra", "gateway-0");
  auto base = BaselineMatcher::Create(c.workload.config, BaselineOptions());
  if (!base.ok()) {
    c.error = absl::StrCat("BaselineMatcher::Create: ", base.status().ToString());
    return c;
  }
  c.baseline = std::move(*base);
  return c;
}

// Requests in both matchers' forms. Each request's bytes (host, method,
// path, headers) are packed one after the other in `bytes`, as a proxy
// holds a parsed request in its receive buffer, and the views point there.
struct RequestSet {
  std::vector<MatchRequest> owned;
  std::string bytes;
  std::vector<route::Header> snapshot_headers;
  std::vector<BaselineHeader> baseline_headers;
  std::vector<route::Request> snapshot;
  std::vector<BaselineRequest> baseline;
  std::string disagreement;  // the first, "" when they agree on all
  size_t forwarded = 0;      // requests the baseline sent to a backend
};

std::string Describe(const route::MatchResult& r) {
  return absl::StrCat("status ", r.status, " route ", r.route, " rule ", r.rule, " backend ",
                      r.backend);
}
std::string Describe(const BaselineResult& r) {
  return absl::StrCat("status ", r.status, " route ", r.route, " rule ", r.rule, " backend ",
                      r.backend);
}

RequestSet& GetRequests(MatchShape shape, int routes, Variant variant, Mix mix) {
  static auto* cache = new std::map<std::tuple<MatchShape, int, Variant, Mix>, RequestSet>();
  auto key = std::make_tuple(shape, routes, variant, mix);
  if (auto it = cache->find(key); it != cache->end()) return it->second;
  RequestSet& s = (*cache)[key];
  Case& c = GetCase(shape, routes, variant);
  if (!c.error.empty()) return s;
  s.owned = GenerateRequests(c.workload, MixShares(mix), kRequests);
  size_t total_bytes = 0, total_headers = 0;
  for (const MatchRequest& q : s.owned) {
    total_bytes += q.host.size() + q.method.size() + q.path.size();
    for (const auto& [name, value] : q.headers) total_bytes += name.size() + value.size();
    total_headers += q.headers.size();
  }
  // Reserved up front: the views below must not move.
  s.bytes.reserve(total_bytes);
  s.snapshot_headers.reserve(total_headers);
  s.baseline_headers.reserve(total_headers);
  auto pack = [&s](const std::string& text) {
    size_t at = s.bytes.size();
    s.bytes.append(text);
    return absl::string_view(s.bytes.data() + at, text.size());
  };
  for (size_t i = 0; i < kRequests; ++i) {
    const MatchRequest& q = s.owned[i];
    route::Request r;
    r.gateway = c.gateway;
    r.port = 80;
    r.protocol = route::RequestProtocol::kHttp;
    r.method = pack(q.method);
    r.host = pack(q.host);
    r.path = pack(q.path);
    r.hash = q.hash;
    size_t first_header = s.snapshot_headers.size();
    for (const auto& [name, value] : q.headers) {
      absl::string_view n = pack(name), v = pack(value);
      s.snapshot_headers.push_back({n, v});
      s.baseline_headers.push_back({n, v});
    }
    r.headers = absl::MakeConstSpan(s.snapshot_headers.data() + first_header, q.headers.size());
    s.snapshot.push_back(r);
    BaselineRequest b;
    b.gateway = 0;
    b.port = 80;
    b.host = r.host;
    b.method = r.method;
    b.path = r.path;
    b.headers = absl::MakeConstSpan(s.baseline_headers.data() + first_header, q.headers.size());
    b.hash = q.hash;
    s.baseline.push_back(b);
  }
  // Agreement on every request; a difference is a bug in one matcher.
  size_t disagreements = 0, backend_differences = 0;
  for (size_t i = 0; i < kRequests; ++i) {
    route::MatchResult got;
    BaselineResult want;
    c.snapshot->Match(s.snapshot[i], &got);
    c.baseline->Match(s.baseline[i], &want);
    if (want.status == 0) ++s.forwarded;
    if (got.status != want.status || got.route != want.route || got.rule != want.rule) {
      std::string line = absl::StrCat(ShapeName(shape), "/", routes, VariantName(variant),
                                      MixSuffix(mix), " request ", i, " (", s.owned[i].ToString(),
                                      "): snapshot ", Describe(got), ", baseline ", Describe(want));
      if (disagreements < 20) std::fprintf(stderr, "DISAGREE %s\n", line.c_str());
      if (s.disagreement.empty()) s.disagreement = line;
      ++disagreements;
    } else if (got.backend != want.backend) {
      ++backend_differences;
    }
  }
  std::fprintf(stderr,
               "checked %s/%d%s%s: %zu requests, %zu forwarded by the baseline, %zu "
               "disagreements, %zu backend choices differ (reported only: issue 4 compares "
               "route and rule)\n",
               ShapeName(shape), routes, VariantName(variant), MixSuffix(mix), kRequests,
               s.forwarded, disagreements, backend_differences);
  if (disagreements > 1) {
    absl::StrAppend(&s.disagreement, " (and ", disagreements - 1, " more)");
  }
  return s;
}

// `cycle` (a power of two, at most kRequests): how many of the mix's
// requests the loop goes round; the _Warm16 variants use 16, so that the
// requests' bytes stay in L1 and the branch predictor learns them: what
// remains is the matcher's own work on a warm cache.
template <bool kSnapshot>
void BM_Match(benchmark::State& state, MatchShape shape, Variant variant, Mix mix,
              size_t cycle) {
  const int routes = static_cast<int>(state.range(0));
  Case& c = GetCase(shape, routes, variant);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  RequestSet& s = GetRequests(shape, routes, variant, mix);
  if (!s.disagreement.empty()) {
    state.SkipWithError(s.disagreement.c_str());
    return;
  }
  size_t i = 0;
  int64_t allocs_before = t_allocs;
  if constexpr (kSnapshot) {
    const route::Snapshot& snap = *c.snapshot;
    route::MatchResult r;
    for (auto _ : state) {
      snap.Match(s.snapshot[i++ & (cycle - 1)], &r);
      benchmark::DoNotOptimize(r);
    }
  } else {
    const BaselineMatcher& base = *c.baseline;
    BaselineResult r;
    for (auto _ : state) {
      base.Match(s.baseline[i++ & (cycle - 1)], &r);
      benchmark::DoNotOptimize(r);
    }
  }
  int64_t allocs = t_allocs - allocs_before;
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_match"] =
      static_cast<double>(allocs) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
  state.counters["forwarded_share"] =
      static_cast<double>(s.forwarded) / static_cast<double>(kRequests);
}

// Snapshot::Create from the message (what the engine does); with `load`,
// Snapshot::Load from its serialized bytes, copied outside the timed region.
void BM_Compile(benchmark::State& state, MatchShape shape, Variant variant, bool baseline,
                bool load) {
  const int routes = static_cast<int>(state.range(0));
  Case& c = GetCase(shape, routes, variant);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const gwapi::v1::Snapshot& config = c.workload.config;
  // What one compiled snapshot keeps on the heap, measured outside the
  // timed loop on this thread.
  int64_t bytes_before = t_live_bytes, allocs_before = t_allocs;
  size_t index_bytes = 0;
  std::shared_ptr<const route::Snapshot> kept_snapshot;
  std::unique_ptr<BaselineMatcher> kept_baseline;
  if (baseline) {
    kept_baseline = std::move(BaselineMatcher::Create(config, BaselineOptions())).value();
  } else {
    kept_snapshot = std::move(route::Snapshot::Create(config)).value();
    index_bytes = kept_snapshot->IndexBytes();
  }
  int64_t kept_bytes = t_live_bytes - bytes_before;
  int64_t create_allocs = t_allocs - allocs_before;
  kept_snapshot.reset();
  kept_baseline.reset();

  for (auto _ : state) {
    if (baseline) {
      auto m = BaselineMatcher::Create(config, BaselineOptions());
      benchmark::DoNotOptimize(m);
      state.PauseTiming();
      m = nullptr;
      state.ResumeTiming();
    } else if (load) {
      state.PauseTiming();
      std::string bytes = config.SerializeAsString();
      state.ResumeTiming();
      auto snap = route::Snapshot::Load(std::move(bytes));
      benchmark::DoNotOptimize(snap);
      state.PauseTiming();
      snap = nullptr;
      state.ResumeTiming();
    } else {
      auto snap = route::Snapshot::Create(config);
      benchmark::DoNotOptimize(snap);
      // Freeing is the reader's last reference going away, not compile.
      state.PauseTiming();
      snap = nullptr;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations() * routes);
  const double per_route = 1.0 / routes;
  state.counters["bytes_per_route"] = static_cast<double>(kept_bytes) * per_route;
  state.counters["allocs_per_route"] = static_cast<double>(create_allocs) * per_route;
  if (!baseline) {
    state.counters["index_bytes_per_route"] = static_cast<double>(index_bytes) * per_route;
    // The message alone, for scale: the snapshot keeps a copy of it.
    state.counters["message_bytes_per_route"] =
        static_cast<double>(config.SpaceUsedLong()) * per_route;
    state.counters["wire_bytes_per_route"] =
        static_cast<double>(config.ByteSizeLong()) * per_route;
  }
}

// The concurrent benchmark's shared state: the holder readers take the
// current snapshot from, and the writer that keeps replacing it.
struct Publisher {
  route::SnapshotHolder holder;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> publishes{0};
  std::thread writer;
};
Publisher* g_publisher = nullptr;

void StartWriter(const benchmark::State& state) {
  const int routes = static_cast<int>(state.range(0));
  Case& c = GetCase(MatchShape::kManyHosts, routes, Variant::kPlain);
  GetRequests(MatchShape::kManyHosts, routes, Variant::kPlain, Mix::kMixed);
  g_publisher = new Publisher();
  if (!c.error.empty()) return;
  g_publisher->holder.Publish(c.snapshot);
  const int pause_ms = static_cast<int>(state.range(1));
  if (pause_ms < 0) return;  // no writer: the scaling reference
  const gwapi::v1::Snapshot* config = &c.workload.config;
  g_publisher->writer = std::thread([config, pause_ms] {
    Publisher& p = *g_publisher;
    while (!p.stop.load(std::memory_order_relaxed)) {
      auto next = route::Snapshot::Create(*config);
      // The previous snapshot is freed here, on the writer, unless a
      // reader still holds it.
      if (next.ok()) p.holder.Publish(std::move(*next));
      p.publishes.fetch_add(1, std::memory_order_relaxed);
      if (pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
  });
}

void StopWriter(const benchmark::State&) {
  g_publisher->stop.store(true);
  if (g_publisher->writer.joinable()) g_publisher->writer.join();
  delete g_publisher;
  g_publisher = nullptr;
}

// Args: routes, the writer's pause between publishes (0: back to back;
// -1: no writer at all),
// and how a reader takes the snapshot: 0, a SnapshotHolder::Reader asked
// on every request (what a proxy's worker thread does); otherwise the
// number of matches per SnapshotHolder::Get() (1: a Get per request, which
// writes the shared reference count each time; 4096: a worker that
// refreshes its reference once per pass over the requests).
void BM_Match_Snapshot_Concurrent(benchmark::State& state) {
  const int routes = static_cast<int>(state.range(0));
  Case& c = GetCase(MatchShape::kManyHosts, routes, Variant::kPlain);
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  RequestSet& s = GetRequests(MatchShape::kManyHosts, routes, Variant::kPlain, Mix::kMixed);
  if (!s.disagreement.empty()) {
    state.SkipWithError(s.disagreement.c_str());
    return;
  }
  Publisher& p = *g_publisher;
  const size_t refresh = static_cast<size_t>(state.range(2));
  size_t i = static_cast<size_t>(state.thread_index()) * 977;
  route::MatchResult r;
  int64_t publishes_before = p.publishes.load();
  auto t0 = std::chrono::steady_clock::now();
  if (refresh == 0) {
    route::SnapshotHolder::Reader reader(p.holder);
    for (auto _ : state) {
      reader.Get()->Match(s.snapshot[i++ & (kRequests - 1)], &r);
      benchmark::DoNotOptimize(r);
    }
  } else {
    std::shared_ptr<const route::Snapshot> snap;
    for (auto _ : state) {
      if (i % refresh == 0 || snap == nullptr) snap = p.holder.Get();
      snap->Match(s.snapshot[i++ & (kRequests - 1)], &r);
      benchmark::DoNotOptimize(r);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["publishes_per_s"] =
        static_cast<double>(p.publishes.load() - publishes_before) / std::max(seconds, 1e-9);
  }
}
BENCHMARK(BM_Match_Snapshot_Concurrent)
    ->Args({10000, -1, 0})
    ->Args({10000, -1, 1})
    ->Args({10000, 0, 0})
    ->Args({10000, 0, 1})
    ->Args({10000, 0, 4096})
    ->Args({10000, 10, 0})
    ->Args({10000, 10, 1})
    ->Setup(StartWriter)
    ->Teardown(StopWriter)
    ->ThreadRange(1, 2)
    ->UseRealTime();

// Registers BM_Match_{Baseline,Snapshot}_<name>/<sizes...> for a variant.
void RegisterPair(const std::string& prefix, const std::string& suffix, MatchShape shape,
                  Variant variant, Mix mix, absl::Span<const int> sizes,
                  size_t cycle = kRequests) {
  for (bool snapshot : {false, true}) {
    std::string name = absl::StrCat(prefix, snapshot ? "Snapshot_" : "Baseline_", suffix);
    auto* b = snapshot ? benchmark::RegisterBenchmark(name.c_str(), BM_Match<true>, shape,
                                                      variant, mix, cycle)
                       : benchmark::RegisterBenchmark(name.c_str(), BM_Match<false>, shape,
                                                      variant, mix, cycle);
    for (int n : sizes) b->Arg(n);
  }
}

const bool kRegistered = [] {
  for (MatchShape shape : {MatchShape::kManyHosts, MatchShape::kFewHosts}) {
    for (Mix mix : {Mix::kMixed, Mix::kHit, Mix::kDeepHit, Mix::kMiss}) {
      RegisterPair("BM_Match_", absl::StrCat(ShapeName(shape), MixSuffix(mix)), shape,
                   Variant::kPlain, mix, kSizes);
    }
    RegisterPair("BM_Match_Regex_", ShapeName(shape), shape, Variant::kRegex, Mix::kMixed, kSizes);
    RegisterPair("BM_Match_", absl::StrCat(ShapeName(shape), "_Warm16"), shape, Variant::kPlain,
                 Mix::kMixed, kSizes, 16);
  }
  // About 4,300 regex paths under one hostname: one table's RE2::Set over
  // all of them (these short patterns still compile within its default
  // memory budget) against the baseline's scan.
  RegisterPair("BM_Match_Regex_", "OneHost", MatchShape::kFewHosts, Variant::kRegexOneHost,
               Mix::kMixed, {100000});
  for (MatchShape shape : {MatchShape::kManyHosts, MatchShape::kFewHosts}) {
    for (bool baseline : {false, true}) {
      std::string name =
          absl::StrCat("BM_Match_Compile_", baseline ? "Baseline_" : "", ShapeName(shape));
      auto* b = benchmark::RegisterBenchmark(name.c_str(), BM_Compile, shape, Variant::kPlain,
                                             baseline, false);
      for (int n : kSizes) b->Arg(n);
      b->Unit(benchmark::kMillisecond);
    }
    {
      std::string name = absl::StrCat("BM_Match_Compile_Load_", ShapeName(shape));
      auto* b = benchmark::RegisterBenchmark(name.c_str(), BM_Compile, shape, Variant::kPlain,
                                             false, true);
      for (int n : kSizes) b->Arg(n);
      b->Unit(benchmark::kMillisecond);
    }
    std::string name = absl::StrCat("BM_Match_Compile_Regex_", ShapeName(shape));
    auto* b = benchmark::RegisterBenchmark(name.c_str(), BM_Compile, shape, Variant::kRegex, false,
                                           false);
    for (int n : kSizes) b->Arg(n);
    b->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
}  // namespace gwapi::bench

BENCHMARK_MAIN();
