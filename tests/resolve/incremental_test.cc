// Incremental status (resolve::Resolution::Update and Engine::Status after
// route changes) against full recomputation: after random sequences of
// applies and deletes over a few hundred objects, both give byte-identical
// status, lastTransitionTime included.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/model/json.h"
#include "lib/model/kinds.h"
#include "lib/resolve/resolver.h"
#include "tests/resolve/testing.h"

namespace gwapi::resolve {
namespace {

using testing::Apply;
using testing::NewEngine;

constexpr int kNamespaces = 4;
constexpr int kGateways = 4;
constexpr int kServices = 6;
constexpr int kRoutes = 150;

// A deterministic random cluster: Gateways with listeners that admit routes
// from All, Same or a label selector, on exact and wildcard hostnames, a
// ListenerSet, Services, grants, and routes (mostly HTTPRoutes, some
// TCPRoutes, a rare GRPCRoute or BackendTLSPolicy, which force a full
// recomputation) that attach to any of them, or to nothing.
class World {
 public:
  explicit World(uint32_t seed) : rng_(seed) {}

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  bool Chance(int percent) { return Pick(100) < percent; }
  std::string Ns() { return absl::StrCat("ns-", Pick(kNamespaces)); }

  std::string Namespace(int i) {
    return absl::StrCat("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-", i,
                        ", labels: {team: ", Chance(50) ? "a" : "b", "}}\n");
  }

  std::string Gateway(int i) {
    std::string listeners = absl::StrCat(
        "  - name: web\n    protocol: HTTP\n    port: 80\n",
        Chance(50) ? "    hostname: \"*.example.com\"\n" : "",
        "    allowedRoutes: {namespaces: {from: ", Chance(70) ? "All" : "Same", "}}\n",
        "  - name: exact\n    protocol: HTTP\n    port: 8080\n    hostname: a.example.com\n",
        "    allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: a}}}}\n",
        "  - name: tcp\n    protocol: TCP\n    port: 9000\n",
        "    allowedRoutes: {namespaces: {from: All}}\n");
    return absl::StrCat("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n",
                        "metadata: {name: gw-", i, ", namespace: infra}\nspec:\n",
                        "  gatewayClassName: ", Chance(90) ? "cilium" : "not-ours", "\n",
                        i == 0 ? "  allowedListeners: {namespaces: {from: All}}\n" : "",
                        "  listeners:\n", listeners);
  }

  std::string ListenerSet() {
    return absl::StrCat("apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\n",
                        "metadata: {name: ls, namespace: ns-0}\nspec:\n  parentRef: {name: gw-0, "
                        "namespace: infra}\n",
                        "  listeners:\n  - name: extra\n    protocol: HTTP\n    port: ",
                        Chance(80) ? 8081 : 80, "\n    allowedRoutes: {namespaces: {from: All}}\n");
  }

  std::string Service(int i) {
    return absl::StrCat("apiVersion: v1\nkind: Service\nmetadata: {name: svc-", i % kServices,
                        ", namespace: ns-", i % kNamespaces, "}\nspec: {ports: [{port: 80}]}\n");
  }

  std::string Grant() {
    return "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n"
           "metadata: {name: g, namespace: ns-1}\nspec:\n"
           "  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ns-0}]\n"
           "  to: [{group: \"\", kind: Service}]\n";
  }

  // A reference to Gateway `gw`, or (when `any`) sometimes to the
  // ListenerSet or a Gateway that does not exist.
  std::string ParentRef(bool tcp, int gw, bool any) {
    int what = Pick(10);
    if (any && what == 0) return "{name: missing, namespace: infra}";
    if (any && what == 1 && !tcp) return "{kind: ListenerSet, name: ls, namespace: ns-0}";
    std::string ref = absl::StrCat("{name: gw-", gw, ", namespace: infra");
    if (tcp) {
      if (Chance(50)) absl::StrAppend(&ref, ", sectionName: tcp");
    } else if (Chance(30)) {
      absl::StrAppend(&ref, ", sectionName: ", Chance(50) ? "web" : "exact");
    } else if (Chance(10)) {
      absl::StrAppend(&ref, ", port: 8080");
    }
    return ref + "}";
  }

  std::string Backend() {
    std::string ns = Chance(20) ? absl::StrCat(", namespace: ns-", Pick(kNamespaces)) : "";
    return absl::StrCat("{name: svc-", Pick(kServices + 1), ns, ", port: ", Chance(90) ? 80 : 81,
                        "}");
  }

  std::string Route(int i) {
    int kind = Pick(100);
    std::string ns = absl::StrCat("ns-", i % kNamespaces);
    std::string name = absl::StrCat("r-", i);
    if (kind < 10) {
      return absl::StrCat("apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\n",
                          "metadata: {name: ", name, ", namespace: ", ns, "}\nspec:\n",
                          "  parentRefs: [", ParentRef(true, Pick(kGateways), true), "]\n",
                          "  rules: [{backendRefs: [", Backend(), "]}]\n");
    }
    int gw = Pick(kGateways);
    std::string parents = ParentRef(false, gw, true);
    // A second parent is another Gateway: two references to one parent
    // need distinct sectionNames.
    if (Chance(20)) {
      absl::StrAppend(&parents, ", ",
                      ParentRef(false, (gw + 1 + Pick(kGateways - 1)) % kGateways, false));
    }
    static const char* kHosts[] = {"a.example.com", "b.example.com", "*.example.com", "other.test"};
    std::string hosts;
    for (int n = Pick(3); n > 0; --n) {
      absl::StrAppend(&hosts, hosts.empty() ? "" : ", ", "\"", kHosts[Pick(4)], "\"");
    }
    std::string rules;
    for (int n = 1 + Pick(2); n > 0; --n) {
      absl::StrAppend(&rules, rules.empty() ? "" : ", ", "{backendRefs: [", Backend(), "]}");
    }
    return absl::StrCat("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n",
                        "metadata: {name: ", name, ", namespace: ", ns, "}\nspec:\n",
                        "  parentRefs: [", parents, "]\n", "  hostnames: [", hosts, "]\n",
                        "  rules: [", rules, "]\n");
  }

  std::string GrpcRoute() {
    return absl::StrCat("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n",
                        "metadata: {name: rpc, namespace: ns-0}\nspec:\n",
                        "  parentRefs: [{name: gw-0, namespace: infra}]\n",
                        "  hostnames: [\"a.example.com\"]\n");
  }

  std::string Policy() {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\n"
           "metadata: {name: p, namespace: ns-0}\nspec:\n"
           "  targetRefs: [{group: \"\", kind: Service, name: svc-0}]\n"
           "  validation: {hostname: svc.example.com, wellKnownCACertificates: System}\n";
  }

 private:
  std::mt19937 rng_;
};

model::ObjectKey Key(absl::string_view kind, absl::string_view ns, absl::string_view name) {
  return {std::string(kind == "Service" || kind == "Namespace" ? "" : model::kGatewayGroup),
          std::string(kind), std::string(ns), std::string(name)};
}

// "" when equal, else both texts around their first difference.
std::string Difference(const std::string& got, const std::string& want) {
  if (got == want) return "";
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  size_t from = i > 300 ? i - 300 : 0;
  return absl::StrCat("first difference at byte ", i, "\n  got:  ", got.substr(from, 500),
                      "\n  want: ", want.substr(from, 500));
}

// Random steps; each returns the keys it put or erased.
class Stepper {
 public:
  Stepper(engine::Engine* e, World* w) : e_(e), w_(w) {}

  // From now on no GRPCRoute or BackendTLSPolicy: deletes them and stops
  // adding them back, so route changes can take the incremental path.
  std::vector<model::ObjectKey> Calm() {
    calm_ = true;
    std::vector<model::ObjectKey> changed;
    Delete(Key("GRPCRoute", "ns-0", "rpc"), &changed);
    Delete(Key("BackendTLSPolicy", "ns-0", "p"), &changed);
    return changed;
  }

  std::vector<model::ObjectKey> Step() {
    std::vector<model::ObjectKey> changed;
    int op = w_->Pick(100);
    if (calm_ && op >= 97) op = 0;
    if (op < 60) {  // apply a new or changed route
      int i = w_->Pick(kRoutes);
      std::string yaml = w_->Route(i);
      // A route keeps its kind for its whole life: delete the other kind.
      bool tcp = yaml.find("kind: TCPRoute") != std::string::npos;
      Delete(Key(tcp ? "HTTPRoute" : "TCPRoute", absl::StrCat("ns-", i % kNamespaces),
                 absl::StrCat("r-", i)),
             &changed);
      ApplyRecording(yaml, &changed);
    } else if (op < 80) {  // delete a route
      int i = w_->Pick(kRoutes);
      for (const char* kind : {"HTTPRoute", "TCPRoute"}) {
        Delete(Key(kind, absl::StrCat("ns-", i % kNamespaces), absl::StrCat("r-", i)), &changed);
      }
    } else if (op < 85) {
      ApplyRecording(w_->Gateway(w_->Pick(kGateways)), &changed);
    } else if (op < 88) {
      ApplyRecording(w_->Namespace(w_->Pick(kNamespaces)), &changed);
    } else if (op < 91) {
      int i = w_->Pick(kServices * 2);
      if (w_->Chance(50)) {
        ApplyRecording(w_->Service(i), &changed);
      } else {
        Delete(Key("Service", absl::StrCat("ns-", i % kNamespaces),
                   absl::StrCat("svc-", i % kServices)),
               &changed);
      }
    } else if (op < 94) {
      if (w_->Chance(50)) {
        ApplyRecording(w_->Grant(), &changed);
      } else {
        Delete(Key("ReferenceGrant", "ns-1", "g"), &changed);
      }
    } else if (op < 97) {
      if (w_->Chance(70)) {
        ApplyRecording(w_->ListenerSet(), &changed);
      } else {
        Delete(Key("ListenerSet", "ns-0", "ls"), &changed);
      }
    } else if (op < 99) {
      if (w_->Chance(50)) {
        ApplyRecording(w_->GrpcRoute(), &changed);
      } else {
        Delete(Key("GRPCRoute", "ns-0", "rpc"), &changed);
      }
    } else {
      if (w_->Chance(50)) {
        ApplyRecording(w_->Policy(), &changed);
      } else {
        Delete(Key("BackendTLSPolicy", "ns-0", "p"), &changed);
      }
    }
    return changed;
  }

 private:
  void ApplyRecording(const std::string& yaml, std::vector<model::ObjectKey>* changed) {
    auto r = e_->Apply(yaml);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const engine::ObjectResult& o : *r) {
      ASSERT_NE(o.outcome, engine::Outcome::kRejected) << yaml;
      if (o.outcome == engine::Outcome::kAccepted) changed->push_back(o.key);
    }
  }
  void Delete(const model::ObjectKey& key, std::vector<model::ObjectKey>* changed) {
    if (e_->Get(key) == nullptr) return;
    ASSERT_TRUE(e_->Delete(key).ok());
    changed->push_back(key);
  }

  engine::Engine* e_;
  World* w_;
  bool calm_ = false;
};

void Seed(engine::Engine* e, World* w) {
  for (int i = 0; i < kNamespaces; ++i) Apply(e, w->Namespace(i));
  Apply(e, "apiVersion: v1\nkind: Namespace\nmetadata: {name: infra}\n");
  for (int i = 0; i < kGateways; ++i) Apply(e, w->Gateway(i));
  for (int i = 0; i < kServices * 2; ++i) Apply(e, w->Service(i));
  Apply(e, w->ListenerSet());
  Apply(e, w->Grant());
  for (int i = 0; i < kRoutes; i += 2) Apply(e, w->Route(i));
}

// Resolution::Update with a clock that moves every step, against Resolve()
// run on every step with its own memory: same bytes, transition times
// included.
TEST(IncrementalStatus, UpdateMatchesFullRecomputationWithMovingClock) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    World w(seed);
    auto e = NewEngine();
    Seed(e.get(), &w);
    ResolveOptions opts{std::string(testing::kController), testing::kTime};
    TransitionMemory full_memory, inc_memory;
    Resolution inc;
    inc.Full(e->store(), opts, &inc_memory);
    Resolve(e->store(), opts, &full_memory);
    Stepper stepper(e.get(), &w);
    int updated = 0;
    for (int step = 0; step < 300; ++step) {
      std::vector<model::ObjectKey> changed;
      if (step == 150) changed = stepper.Calm();
      for (int n = 1 + w.Pick(3); n > 0; --n) {
        std::vector<model::ObjectKey> c = stepper.Step();
        if (::testing::Test::HasFatalFailure()) return;
        changed.insert(changed.end(), c.begin(), c.end());
      }
      opts.now_unix = testing::kTime + 60 * (step + 1);
      if (inc.Update(e->store(), opts, changed, &inc_memory)) {
        ++updated;
      } else {
        inc.Full(e->store(), opts, &inc_memory);
      }
      StatusSet full = Resolve(e->store(), opts, &full_memory);
      ASSERT_EQ(Difference(inc.status().ToJson(e->store()), full.ToJson(e->store())), "")
          << "step " << step;
    }
    // Once calm, most steps touch only routes and take the incremental path.
    EXPECT_GT(updated, 50);
  }
}

// The same through the Engine: Status() after each batch equals a fresh full
// resolution of the engine's store.
TEST(IncrementalStatus, EngineStatusMatchesFreshResolution) {
  World w(7);
  auto e = NewEngine();
  Seed(e.get(), &w);
  ResolveOptions opts{std::string(testing::kController), testing::kTime};
  e->Status();
  Stepper stepper(e.get(), &w);
  for (int step = 0; step < 300; ++step) {
    for (int n = 1 + w.Pick(3); n > 0; --n) {
      stepper.Step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    std::string got = e->Status().ToJson(e->store());
    TransitionMemory fresh;
    ASSERT_EQ(Difference(got, Resolve(e->store(), opts, &fresh).ToJson(e->store())), "")
        << "step " << step;
  }
}

// Route, Gateway and ListenerSet stanzas are kept compact and rendered on
// demand: Find() (a model::Value) and ToJson() must agree on every object,
// after full and incremental updates alike, and a StatusSet stays readable
// after the store has moved on.
TEST(IncrementalStatus, FindAgreesWithToJsonOnEveryObject) {
  World w(5);
  auto e = NewEngine();
  Seed(e.get(), &w);
  Stepper stepper(e.get(), &w);
  auto check = [&](const StatusSet& s, int step) {
    absl::StatusOr<model::Value> all =
        model::ParseJson(s.ToJson(e->store()), model::DecodeLimits());
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->array().size(), s.size());
    for (const model::Value& entry : all->array()) {
      // Every kind with a status is in the Gateway API group.
      model::ObjectKey key =
          Key(entry.GetString("kind"), entry.GetString("namespace"), entry.GetString("name"));
      const model::Value* found = s.Find(key);
      ASSERT_NE(found, nullptr) << key.ToString() << " step " << step;
      EXPECT_EQ(found->ToJson(), entry.Find("status")->ToJson()) << key.ToString();
      EXPECT_EQ(s.Find(key), found);  // rendered once, then kept
    }
  };
  for (int step = 0; step < 60; ++step) {
    stepper.Step();
    if (::testing::Test::HasFatalFailure()) return;
    check(e->Status(), step);
    if (::testing::Test::HasFatalFailure()) return;
  }
  ResolveOptions opts{std::string(testing::kController), testing::kTime};
  TransitionMemory memory;
  StatusSet kept = Resolve(e->store(), opts, &memory);
  absl::StatusOr<model::Value> before =
      model::ParseJson(kept.ToJson(e->store()), model::DecodeLimits());
  ASSERT_TRUE(before.ok());
  const model::Value* route_entry = nullptr;
  for (const model::Value& entry : before->array()) {
    if (entry.GetString("kind") == "HTTPRoute") route_entry = &entry;
  }
  ASSERT_NE(route_entry, nullptr);
  model::ObjectKey route =
      Key("HTTPRoute", route_entry->GetString("namespace"), route_entry->GetString("name"));
  // Every stored route goes away; `kept` still holds what it rendered from.
  for (int i = 0; i < kRoutes; ++i) {
    for (const char* kind : {"HTTPRoute", "TCPRoute"}) {
      model::ObjectKey k = Key(kind, absl::StrCat("ns-", i % kNamespaces), absl::StrCat("r-", i));
      if (e->Get(k) != nullptr) ASSERT_TRUE(e->Delete(k).ok());
    }
  }
  ASSERT_EQ(e->Get(route), nullptr);
  e->Status();
  const model::Value* found = kept.Find(route);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->ToJson(), route_entry->Find("status")->ToJson());
}

// A changed route updates only itself and its Gateways: the other routes'
// and Gateways' stanzas are untouched, and attachedRoutes follows.
TEST(IncrementalStatus, RouteChangeMovesAttachedRoutes) {
  auto e = NewEngine();
  World w(11);
  Seed(e.get(), &w);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: solo, namespace: infra}
spec:
  gatewayClassName: cilium
  listeners: [{name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}]
)");
  auto attached = [&] {
    model::Value st = testing::StatusOf(e.get(), "Gateway", "infra", "solo");
    const model::Value* l = testing::Listener(st, "http");
    return l == nullptr ? -1 : l->Find("attachedRoutes")->int_value();
  };
  EXPECT_EQ(attached(), 0);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mover, namespace: ns-2}
spec:
  parentRefs: [{name: solo, namespace: infra}]
)");
  EXPECT_EQ(attached(), 1);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mover, namespace: ns-2}
spec:
  parentRefs: [{name: gw-1, namespace: infra}]
)");
  EXPECT_EQ(attached(), 0);
  ASSERT_TRUE(e->Delete(Key("HTTPRoute", "ns-2", "mover")).ok());
  EXPECT_TRUE(testing::StatusOf(e.get(), "HTTPRoute", "ns-2", "mover").is_null());
}

}  // namespace
}  // namespace gwapi::resolve
