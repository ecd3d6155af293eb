// The same objects in any order of arrival give byte-identical status, and
// lastTransitionTime moves only when a condition's status changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/resolve/resolver.h"
#include "tests/resolve/testing.h"

namespace gwapi::resolve {
namespace {

using testing::Apply;
using testing::Cond;
using testing::NewEngine;
using testing::ParentConditions;
using testing::StatusOf;

// Documents with explicit creationTimestamps (as objects read back from an
// API server carry): two Gateways competing for a two-address pool, routes
// on both, a conflicting pair of listeners, a grant and policies.
const std::vector<std::string>& Documents() {
  static const auto* docs = new std::vector<std::string>{
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cilium, creationTimestamp: "2025-01-01T00:00:00Z"}
spec: {controllerName: io.cilium/gateway-controller})",
      R"(apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata: {name: pool}
spec: {blocks: [{start: 10.1.0.1, stop: 10.1.0.2}]})",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: zeta, namespace: infra, creationTimestamp: "2025-01-01T00:00:01Z"}
spec:
  gatewayClassName: cilium
  listeners:
  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
  - {name: dup, protocol: UDP, port: 80})",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: alpha, namespace: infra, creationTimestamp: "2025-01-01T00:00:02Z"}
spec:
  gatewayClassName: cilium
  listeners:
  - {name: a, protocol: HTTP, port: 80, hostname: x.example.com}
  - {name: b, protocol: TCP, port: 80}
  - {name: c, protocol: HTTP, port: 81})",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: late, namespace: infra, creationTimestamp: "2025-01-01T00:00:03Z"}
spec:
  gatewayClassName: cilium
  listeners: [{name: http, protocol: HTTP, port: 80}])",
      R"(apiVersion: v1
kind: Service
metadata: {name: svc, namespace: infra}
spec: {ports: [{port: 80}]})",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r1, namespace: app}
spec:
  parentRefs: [{name: zeta, namespace: infra}, {name: alpha, namespace: infra}]
  rules: [{backendRefs: [{name: svc, namespace: infra, port: 80}]}])",
      R"(apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: infra}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: app}]
  to: [{group: "", kind: Service}])",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: UDPRoute
metadata: {name: u, namespace: infra}
spec:
  parentRefs: [{name: zeta, sectionName: dup}]
  rules: [{backendRefs: [{name: svc, port: 80}]}])",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: p2, namespace: infra, creationTimestamp: "2025-01-01T00:00:05Z"}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}]
  validation: {hostname: svc.example.com, wellKnownCACertificates: System})",
      R"(apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: p1, namespace: infra, creationTimestamp: "2025-01-01T00:00:06Z"}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}]
  validation: {hostname: svc.example.com, wellKnownCACertificates: System})",
  };
  return *docs;
}

std::string StatusJson(const std::vector<std::string>& docs, bool one_by_one) {
  auto e = NewEngine(/*bare=*/true);
  if (one_by_one) {
    for (const std::string& d : docs) Apply(e.get(), d);
  } else {
    std::string all;
    for (const std::string& d : docs) absl::StrAppend(&all, d, "\n---\n");
    Apply(e.get(), all);
  }
  return e->Status().ToJson(e->store());
}

TEST(Determinism, ShuffledArrivalGivesByteIdenticalStatus) {
  const std::string want = StatusJson(Documents(), /*one_by_one=*/false);
  ASSERT_NE(want, "[]");
  std::mt19937 rng(42);
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> docs = Documents();
    std::shuffle(docs.begin(), docs.end(), rng);
    EXPECT_EQ(StatusJson(docs, /*one_by_one=*/i % 2 == 0), want) << "shuffle " << i;
  }
}

TEST(Determinism, OlderGatewayGetsTheFirstAddressAndNewestGetsNone) {
  auto e = NewEngine(/*bare=*/true);
  std::vector<std::string> docs = Documents();
  std::reverse(docs.begin(), docs.end());
  for (const std::string& d : docs) Apply(e.get(), d);
  EXPECT_NE(StatusOf(e.get(), "Gateway", "infra", "zeta").ToJson().find("10.1.0.1"),
            std::string::npos);
  EXPECT_NE(StatusOf(e.get(), "Gateway", "infra", "alpha").ToJson().find("10.1.0.2"),
            std::string::npos);
  model::Value late = StatusOf(e.get(), "Gateway", "infra", "late");
  EXPECT_EQ(Cond(late.Find("conditions"), "Programmed"), "False/AddressNotAssigned");
}

TEST(Transitions, TimeChangesOnlyWhenStatusChanges) {
  auto e = NewEngine();
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: cilium
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: svc, port: 80}]}]
)");
  // Resolve directly with a clock of our choosing and one memory.
  TransitionMemory memory;
  const model::ObjectKey route{"gateway.networking.k8s.io", "HTTPRoute", "infra", "r"};
  auto stamp = [&](const StatusSet& s, absl::string_view type) {
    const model::Value* st = s.Find(route);
    const model::Value* c =
        st == nullptr ? nullptr : testing::FindCondition(ParentConditions(*st), type);
    return c == nullptr ? std::string() : std::string(c->GetString("lastTransitionTime"));
  };
  ResolveOptions opts{std::string(testing::kController), 1000};
  StatusSet first = Resolve(e->store(), opts, &memory);
  EXPECT_EQ(stamp(first, "ResolvedRefs"), "1970-01-01T00:16:40Z");  // False: no Service

  Apply(e.get(), R"(
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: infra}
spec: {ports: [{port: 80}]}
)");
  opts.now_unix = 2000;
  StatusSet second = Resolve(e->store(), opts, &memory);
  EXPECT_EQ(stamp(second, "ResolvedRefs"), "1970-01-01T00:33:20Z");  // became True
  EXPECT_EQ(stamp(second, "Accepted"), "1970-01-01T00:16:40Z");      // stayed True

  opts.now_unix = 3000;
  StatusSet third = Resolve(e->store(), opts, &memory);
  EXPECT_EQ(stamp(third, "ResolvedRefs"), "1970-01-01T00:33:20Z");
}

}  // namespace
}  // namespace gwapi::resolve
