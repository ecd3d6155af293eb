// Status computation over synthetic clusters (issue: status engine).
//
//   BM_Status_Full/<routes>/<gateways>: resolve::Resolve over a store of the
//     workload (a full recomputation, what Engine::Status() does after any
//     change), with the engine's memory per stored route as a counter.
//   BM_Status_OneRouteChanged/10000/100: apply one changed HTTPRoute to a
//     10,000-route engine and get the new status.
//
// The store is filled through Engine::Apply outside the timed loop.
#include <malloc.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "lib/engine/engine.h"
#include "lib/resolve/resolver.h"

namespace gwapi::bench {
namespace {

constexpr char kController[] = "gwapi.dev/gateway-controller";

size_t HeapInUse() { return mallinfo2().uordblks; }

struct Cluster {
  std::unique_ptr<engine::Engine> engine;
  size_t routes = 0;
  size_t engine_bytes = 0;  // heap held by the engine after one Status()
};

// One engine per (routes, gateways), kept for the whole run: building the
// 100,000-route store takes seconds.
Cluster& GetCluster(int routes, int gateways) {
  static auto* cache = new std::map<std::pair<int, int>, Cluster>();
  auto it = cache->find({routes, gateways});
  if (it != cache->end()) return it->second;
  WorkloadOptions o;
  o.http_routes = routes;
  o.gateways = gateways;
  o.include_status = false;
  Workload w = GenerateWorkload(o);
  size_t before = HeapInUse();
  engine::EngineOptions eo;
  eo.controller_name = kController;
  eo.fixed_time_unix = 1'700'000'000;
  Cluster c;
  c.engine = std::move(engine::Engine::Create(eo)).value();
  // Applied in Lists of 2,000 objects, as an agent would batch a resync.
  for (size_t i = 0; i < w.objects.size(); i += 2000) {
    std::vector<model::Value> batch(
        w.objects.begin() + i, w.objects.begin() + std::min(w.objects.size(), i + 2000));
    auto results = c.engine->Apply(ToJsonList(batch));
    if (!results.ok()) {
      std::fprintf(stderr, "apply failed: %s\n", std::string(results.status().message()).c_str());
      std::abort();
    }
    for (const engine::ObjectResult& r : *results) {
      if (r.outcome == engine::Outcome::kRejected) {
        std::fprintf(stderr, "workload object rejected: %s\n", r.key.ToString().c_str());
        std::abort();
      }
    }
  }
  c.engine_bytes = HeapInUse() - before;  // objects and store
  w = Workload();
  size_t before_status = HeapInUse();
  c.engine->Status();
  c.engine_bytes += HeapInUse() - before_status;  // plus the status set
  c.routes = routes;
  return cache->emplace(std::make_pair(routes, gateways), std::move(c)).first->second;
}

void BM_Status_Full(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  resolve::ResolveOptions ro;
  ro.controller_name = kController;
  ro.now_unix = 1'700'000'000;
  resolve::TransitionMemory memory;
  for (auto _ : state) {
    resolve::StatusSet s = resolve::Resolve(c.engine->store(), ro, &memory);
    benchmark::DoNotOptimize(s.entries().size());
  }
  state.SetItemsProcessed(state.iterations() * c.routes);
  state.counters["engine_bytes_per_route"] =
      static_cast<double>(c.engine_bytes) / static_cast<double>(c.routes);
}
BENCHMARK(BM_Status_Full)
    ->Args({1000, 10})
    ->Args({10000, 100})
    ->Args({100000, 1000})
    ->Unit(benchmark::kMillisecond);

void BM_Status_OneRouteChanged(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  // Two versions of one route, applied alternately: every apply changes the
  // spec, so every Status() call sees a changed store.
  const char* kRoute = R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",
    "metadata":{"name":"bench-changed","namespace":"gateway-infra"},
    "spec":{"parentRefs":[{"name":"gateway-0"}],"hostnames":["changed.example.com"],
    "rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/v%d"}}]}]}})";
  std::string versions[2];
  for (int i = 0; i < 2; ++i) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), kRoute, i);
    versions[i] = buf;
  }
  int n = 0;
  for (auto _ : state) {
    auto r = c.engine->Apply(versions[n++ & 1]);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(c.engine->Status().entries().size());
  }
}
BENCHMARK(BM_Status_OneRouteChanged)->Args({10000, 100})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gwapi::bench

BENCHMARK_MAIN();
