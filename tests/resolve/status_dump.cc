// Prints the status of the benchmark workload (and of the same cluster after
// a few route changes) as JSON, whole and per object, so two builds of the
// resolver can be compared byte for byte:
//   bazel run //tests/resolve:status_dump > a.json
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/workload.h"
#include "lib/engine/engine.h"
#include "lib/resolve/resolver.h"

namespace {

using gwapi::model::Value;

}  // namespace

namespace {

void Dump(gwapi::engine::Engine* e, std::string* out) {
  const gwapi::resolve::StatusSet& s = e->Status();
  out->append(s.ToJson(e->store()));
  out->push_back('\n');
  for (const auto& [key, obj] : e->store().objects()) {
    const gwapi::model::Value* v = e->Status().Find(key);
    if (v == nullptr) continue;
    absl::StrAppend(out, key.ToString(), " ", v->ToJson(), "\n");
  }
}

}  // namespace

// `status_dump profile <routes> <gateways> <n>`: n warm full recomputations
// in FullRecomputations(), for instruction counts under
// valgrind --tool=callgrind --toggle-collect='*FullRecomputations*'.
__attribute__((noinline)) void FullRecomputations(const gwapi::model::Store& store, int n) {
  gwapi::resolve::ResolveOptions ro;
  ro.controller_name = "gwapi.dev/gateway-controller";
  ro.now_unix = 1'700'000'000;
  static gwapi::resolve::TransitionMemory memory;
  static gwapi::resolve::Resolution resolution;
  for (int i = 0; i < n; ++i) resolution.Full(store, ro, &memory);
}

int Profile(int routes, int gateways, int n) {
  gwapi::bench::WorkloadOptions o;
  o.http_routes = routes;
  o.gateways = gateways;
  o.include_status = false;
  gwapi::bench::Workload w = gwapi::bench::GenerateWorkload(o);
  gwapi::engine::EngineOptions eo;
  auto e = std::move(gwapi::engine::Engine::Create(eo)).value();
  for (size_t i = 0; i < w.objects.size(); i += 2000) {
    std::vector<Value> batch(w.objects.begin() + i,
                             w.objects.begin() + std::min(w.objects.size(), i + 2000));
    if (!e->Apply(gwapi::bench::ToJsonList(batch)).ok()) return 1;
  }
  FullRecomputations(e->store(), 1);  // cold: reads every route
  FullRecomputations(e->store(), n);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "profile") {
    return Profile(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]));
  }
  using gwapi::bench::GenerateWorkload;
  using gwapi::bench::WorkloadOptions;
  std::string out;
  for (int variant = 0; variant < 2; ++variant) {
    WorkloadOptions o;
    o.http_routes = 1500;
    o.gateways = 7;
    o.include_status = false;
    if (variant == 1) {
      o.seed = 7;
      o.cross_namespace_fraction = 0.3;
      o.multi_parent_fraction = 0.4;
      o.wildcard_hostname_fraction = 0.3;
    }
    gwapi::bench::Workload w = GenerateWorkload(o);
    gwapi::engine::EngineOptions eo;
    eo.fixed_time_unix = 1'700'000'000;
    auto e = std::move(gwapi::engine::Engine::Create(eo)).value();
    if (!e->Apply(gwapi::bench::ToJsonList(w.objects)).ok()) return 1;
    Dump(e.get(), &out);
    // Routes changed, added and removed: the incremental path.
    std::vector<gwapi::model::Value> routes = w.OfKind("HTTPRoute");
    for (size_t i = 0; i < routes.size() && i < 120; i += 3) {
      Value r = routes[i];
      Value* spec = r.FindMutable("spec");
      Value* parent = &spec->FindMutable("parentRefs")->mutable_array()[0];
      Value* rule = &spec->FindMutable("rules")->mutable_array()[0];
      Value* backend = rule->FindMutable("backendRefs") != nullptr &&
                               !rule->FindMutable("backendRefs")->array().empty()
                           ? &rule->FindMutable("backendRefs")->mutable_array()[0]
                           : nullptr;
      switch ((i / 3) % 8) {
        case 0:
          spec->Set("hostnames",
                    Value::MakeArray({Value::String(absl::StrCat("changed", i, ".example.com"))}));
          break;
        case 1:
          r.FindMutable("metadata")->Set("name", Value::String(absl::StrCat("new-", i)));
          break;
        case 2:
          parent->Set("sectionName", Value::String("nope"));
          break;
        case 3:
          if (backend) backend->Set("name", Value::String("missing-svc"));
          break;
        case 4:
          if (backend) backend->Set("namespace", Value::String("elsewhere"));
          break;
        case 5:
          parent->Set("name", Value::String("no-such-gateway"));
          break;
        case 6:
          if (backend) {
            backend->Set("group", Value::String("example.com"));
            backend->Set("kind", Value::String("Foo"));
          }
          break;
        case 7:
          parent->Set("port", Value::Int(12345));
          break;
      }
      if (!e->Apply(gwapi::bench::ToJsonList({r})).ok()) return 1;
      Dump(e.get(), &out);
    }
    // A change the incremental path does not take: everything again.
    e->Apply(gwapi::bench::ToJsonList({w.OfKind("Namespace")[0]})).IgnoreError();
    Dump(e.get(), &out);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
