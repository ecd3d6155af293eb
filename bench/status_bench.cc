// Status computation over synthetic clusters (issue: status engine).
//
//   BM_Status_Full/<routes>/<gateways>: resolve::Resolution::Full over a
//     store of the workload (a full recomputation, what Engine::Status()
//     does after a change of anything but routes), with the engine's memory
//     per stored route as counters (all, and split into route objects,
//     other objects and the status state).
//   BM_Status_FullCold: the same through resolve::Resolve, which reads
//     every route (the first recomputation after start).
//   BM_Status_RenderJson, BM_Status_RenderFindAll: rendering that status
//     as JSON (whole), or as one model::Value per route through Find().
//   BM_Status_OneRouteChanged/10000/100: apply one changed HTTPRoute to a
//     10,000-route engine and get the new status (Engine::Status(), which
//     recomputes incrementally when only routes changed).
//
// The store is filled through Engine::Apply outside the timed loop.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
  // Its parts: the stored routes, every other stored object (Services and
  // their EndpointSlices of up to 50 endpoints, Gateways, ...), and what
  // Status() keeps (the resolution graph, status stanzas, transitions).
  size_t route_bytes = 0;
  size_t other_bytes = 0;
  size_t status_bytes = 0;
};

void ApplyAll(engine::Engine* e, const std::vector<model::Value>& objects) {
  // Applied in Lists of 2,000 objects, as an agent would batch a resync.
  for (size_t i = 0; i < objects.size(); i += 2000) {
    std::vector<model::Value> batch(objects.begin() + i,
                                    objects.begin() + std::min(objects.size(), i + 2000));
    auto results = e->Apply(ToJsonList(batch));
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
}

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
  // Routes come last in the workload's order; applying the rest first
  // splits the heap between the two.
  std::vector<model::Value> others, http_routes;
  for (model::Value& v : w.objects) {
    (v.GetString("kind") == "HTTPRoute" ? http_routes : others).push_back(std::move(v));
  }
  w = Workload();
  engine::EngineOptions eo;
  eo.controller_name = kController;
  eo.fixed_time_unix = 1'700'000'000;
  Cluster c;
  c.engine = std::move(engine::Engine::Create(eo)).value();
  size_t before = HeapInUse();
  ApplyAll(c.engine.get(), others);
  size_t after_others = HeapInUse();
  ApplyAll(c.engine.get(), http_routes);
  size_t after_routes = HeapInUse();
  c.engine->Status();
  size_t after_status = HeapInUse();
  c.other_bytes = after_others - before;
  c.route_bytes = after_routes - after_others;
  c.status_bytes = after_status - after_routes;
  c.engine_bytes = after_status - before;
  c.routes = routes;
  return cache->emplace(std::make_pair(routes, gateways), std::move(c)).first->second;
}

void SetMemoryCounters(benchmark::State& state, const Cluster& c) {
  auto per_route = [&](size_t bytes) {
    return static_cast<double>(bytes) / static_cast<double>(c.routes);
  };
  state.counters["engine_bytes_per_route"] = per_route(c.engine_bytes);
  state.counters["route_obj_bytes_per_route"] = per_route(c.route_bytes);
  state.counters["other_obj_bytes_per_route"] = per_route(c.other_bytes);
  state.counters["status_bytes_per_route"] = per_route(c.status_bytes);
}

resolve::ResolveOptions Options() {
  resolve::ResolveOptions ro;
  ro.controller_name = kController;
  ro.now_unix = 1'700'000'000;
  return ro;
}

// What Engine::Status() does after a change that is not to routes only: a
// full recomputation by a resolve::Resolution, which keeps the route views
// of the previous one (routes not replaced since are not read again). The
// status comes out compact; rendering it is BM_Status_RenderJson. Freeing
// the previous status is part of the time.
void BM_Status_Full(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  resolve::ResolveOptions ro = Options();
  resolve::TransitionMemory memory;
  resolve::Resolution resolution;
  resolution.Full(c.engine->store(), ro, &memory);  // route views read once
  for (auto _ : state) {
    resolution.Full(c.engine->store(), ro, &memory);
    benchmark::DoNotOptimize(resolution.status().size());
  }
  state.SetItemsProcessed(state.iterations() * c.routes);
  SetMemoryCounters(state, c);
}
BENCHMARK(BM_Status_Full)
    ->Args({1000, 10})
    ->Args({10000, 100})
    ->Args({100000, 1000})
    ->Unit(benchmark::kMillisecond);

// The first full recomputation (engine start, or resolve::Resolve): every
// route is read. Freeing the result is not timed (free_ms).
void BM_Status_FullCold(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  resolve::ResolveOptions ro = Options();
  resolve::TransitionMemory memory;
  double free_seconds = 0;
  for (auto _ : state) {
    resolve::StatusSet s = resolve::Resolve(c.engine->store(), ro, &memory);
    benchmark::DoNotOptimize(s.size());
    state.PauseTiming();
    auto t0 = std::chrono::steady_clock::now();
    s = resolve::StatusSet();
    free_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.ResumeTiming();
  }
  state.counters["free_ms"] = free_seconds * 1e3 / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * c.routes);
}
BENCHMARK(BM_Status_FullCold)
    ->Args({10000, 100})
    ->Args({100000, 1000})
    ->Unit(benchmark::kMillisecond);

// Rendering the whole status as JSON (gwapi_engine_status_json), which
// BM_Status_Full leaves to whoever asks.
void BM_Status_RenderJson(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  resolve::ResolveOptions ro = Options();
  resolve::TransitionMemory memory;
  resolve::Resolution resolution;
  resolution.Full(c.engine->store(), ro, &memory);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = resolution.status().ToJson(c.engine->store());
    bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations() * c.routes);
}
BENCHMARK(BM_Status_RenderJson)
    ->Args({10000, 100})
    ->Args({100000, 1000})
    ->Unit(benchmark::kMillisecond);

// Rendering every route's status as a model::Value, one Find() each
// (gwapi_engine_object_status_json for every route), on a fresh status.
void BM_Status_RenderFindAll(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  resolve::ResolveOptions ro = Options();
  resolve::TransitionMemory memory;
  resolve::Resolution resolution;
  std::vector<model::ObjectKey> keys;
  for (const auto& [key, obj] : c.engine->store().objects()) {
    if (key.kind == "HTTPRoute") keys.push_back(key);
  }
  for (auto _ : state) {
    state.PauseTiming();
    resolution.Full(c.engine->store(), ro, &memory);
    state.ResumeTiming();
    for (const model::ObjectKey& k : keys) {
      benchmark::DoNotOptimize(resolution.status().Find(k));
    }
  }
  state.SetItemsProcessed(state.iterations() * keys.size());
}
BENCHMARK(BM_Status_RenderFindAll)->Args({10000, 100})->Unit(benchmark::kMillisecond);

void BM_Status_OneRouteChanged(benchmark::State& state) {
  Cluster& c = GetCluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  // Two versions of one route, applied alternately: every apply changes the
  // spec, so every Status() call sees a changed store. The counter outlives
  // the repetition: restarting at version 0 made every repetition after the
  // first apply an unchanged route and time a cached Status().
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
  static int n = 0;
  for (auto _ : state) {
    auto r = c.engine->Apply(versions[n++ & 1]);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(c.engine->Status().size());
  }
}
BENCHMARK(BM_Status_OneRouteChanged)->Args({10000, 100})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gwapi::bench

BENCHMARK_MAIN();
