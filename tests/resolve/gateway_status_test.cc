// Gateway, listener and GatewayClass status.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/resolve/features.h"
#include "tests/resolve/testing.h"

namespace gwapi::resolve {
namespace {

using testing::Apply;
using testing::Cond;
using testing::Listener;
using testing::NewEngine;
using testing::StatusOf;

constexpr char kCrt[] =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";
constexpr char kKey[] =
    "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K";

std::string Gateway(absl::string_view name, absl::string_view listeners,
                    absl::string_view extra_spec = "") {
  return absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: )",
                      name, R"(, namespace: infra}
spec:
  gatewayClassName: cilium
)",
                      extra_spec, "  listeners:\n", listeners);
}

constexpr char kHttp80[] = R"(  - {name: http, protocol: HTTP, port: 80}
)";

std::string HttpsListener(absl::string_view secret_ns, absl::string_view secret) {
  return absl::StrCat(R"(  - name: https
    protocol: HTTPS
    port: 443
    tls:
      certificateRefs:
      - {name: )",
                      secret, ", namespace: ", secret_ns, "}\n");
}

std::string Secret(absl::string_view ns, absl::string_view name, absl::string_view type,
                   absl::string_view crt = kCrt) {
  return absl::StrCat("apiVersion: v1\nkind: Secret\nmetadata: {name: ", name, ", namespace: ", ns,
                      "}\ntype: ", type, "\ndata:\n  tls.crt: ", crt, "\n  tls.key: ", kKey, "\n");
}

const model::Value* Conditions(const model::Value& status) { return status.Find("conditions"); }

const model::Value* ListenerConditions(const model::Value& status, absl::string_view name) {
  const model::Value* l = Listener(status, name);
  return l == nullptr ? nullptr : l->Find("conditions");
}

TEST(GatewayClassStatus, OwnClassIsAcceptedAndListsSupportedFeatures) {
  auto e = NewEngine();
  model::Value st = StatusOf(e.get(), "GatewayClass", "", "cilium");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(Conditions(st), "SupportedVersion"), "True/SupportedVersion");
  const model::Value* f = st.Find("supportedFeatures");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->size(), SupportedFeatures().size());
  EXPECT_EQ(f->array()[0].Find("name")->string_value(), SupportedFeatures()[0]);
}

TEST(GatewayClassStatus, OtherControllersClassGetsNoStatus) {
  auto e = NewEngine();
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
)");
  EXPECT_TRUE(StatusOf(e.get(), "GatewayClass", "", "other").is_null());
}

TEST(SupportedFeatures, AreSortedAndUnique) {
  auto f = SupportedFeatures();
  for (size_t i = 1; i < f.size(); ++i) EXPECT_LT(f[i - 1], f[i]);
}

TEST(GatewayStatus, ValidGatewayIsAcceptedProgrammedWithFirstPoolAddress) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(Conditions(st), "Programmed"), "True/Programmed");
  EXPECT_EQ(st.ToJson().find(R"("addresses":[{"type":"IPAddress","value":"10.0.0.0"}])"), 1u);
  const model::Value* l = Listener(st, "http");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->Find("attachedRoutes")->int_value(), 0);
  EXPECT_EQ(l->Find("supportedKinds")->ToJson(),
            R"([{"group":"gateway.networking.k8s.io","kind":"HTTPRoute"},)"
            R"({"group":"gateway.networking.k8s.io","kind":"GRPCRoute"}])");
  EXPECT_EQ(Cond(l->Find("conditions"), "Conflicted"), "False/NoConflicts");
}

TEST(GatewayStatus, ConditionsCarryObservedGenerationAndFixedTime) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value& c = Conditions(st)->array()[0];
  EXPECT_EQ(c.ToJson(), R"({"type":"Accepted","status":"True","observedGeneration":1,)"
                        R"("lastTransitionTime":"2026-01-01T00:00:00Z","reason":"Accepted",)"
                        R"("message":"The Gateway is accepted."})");
}

TEST(GatewayStatus, ConflictingProtocolsOnOnePortRejectBothListeners) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", R"(  - {name: web, protocol: HTTP, port: 8080}
  - {name: raw, protocol: TCP, port: 8080}
)"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  for (absl::string_view name : {"web", "raw"}) {
    const model::Value* lc = ListenerConditions(st, name);
    EXPECT_EQ(Cond(lc, "Conflicted"), "True/ProtocolConflict") << name;
    EXPECT_EQ(Cond(lc, "Accepted"), "False/ProtocolConflict") << name;
    EXPECT_TRUE(absl::StrContains(testing::FindCondition(lc, "Conflicted")->GetString("message"),
                                  "port 8080"));
  }
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "False/ListenersNotValid");
  EXPECT_EQ(Cond(Conditions(st), "Programmed"), "False/Invalid");
}

TEST(GatewayStatus, OneConflictLeavesTheOtherListenersAccepted) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", R"(  - {name: a, protocol: HTTP, port: 80, hostname: a.example.com}
  - {name: b, protocol: HTTPS, port: 80, hostname: b.example.com, tls: {certificateRefs: [{name: c}]}}
  - {name: c, protocol: HTTP, port: 81}
)"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "True/ListenersNotValid");
  EXPECT_EQ(Cond(ListenerConditions(st, "c"), "Accepted"), "True/Accepted");
}

TEST(GatewayStatus, UnknownSelectorOperatorMatchesNothingAndListenerSaysWhy) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", R"(  - name: http
    protocol: HTTP
    port: 80
    allowedRoutes:
      namespaces:
        from: Selector
        selector:
          matchExpressions:
          - {key: team, operator: Near, values: [a]}
)"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value* lc = ListenerConditions(st, "http");
  EXPECT_EQ(Cond(lc, "Accepted"), "False/UnsupportedValue");
  EXPECT_TRUE(
      absl::StrContains(testing::FindCondition(lc, "Accepted")->GetString("message"), "\"Near\""));
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
)");
  model::Value route = StatusOf(e.get(), "HTTPRoute", "infra", "r");
  EXPECT_EQ(Cond(testing::ParentConditions(route), "Accepted"), "False/NotAllowedByListeners");
}

TEST(GatewayStatus, PoolWithNoFreeAddressLeavesNewestGatewayUnassigned) {
  auto e = NewEngine();
  for (int i = 0; i < 5; ++i) {
    // Distinct creationTimestamps make "oldest first" explicit.
    Apply(e.get(),
          absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw)",
                       i, R"(, namespace: infra, creationTimestamp: "2025-01-01T00:00:0)", i,
                       R"(Z"}
spec:
  gatewayClassName: cilium
  listeners: [{name: http, protocol: HTTP, port: 80}]
)"));
  }
  model::Value last = StatusOf(e.get(), "Gateway", "infra", "gw4");
  EXPECT_EQ(Cond(Conditions(last), "Programmed"), "False/AddressNotAssigned");
  EXPECT_EQ(last.Find("addresses"), nullptr);
  EXPECT_EQ(Cond(Conditions(last), "Accepted"), "True/Accepted");
  model::Value third = StatusOf(e.get(), "Gateway", "infra", "gw3");
  EXPECT_NE(third.ToJson().find("10.0.0.3"), std::string::npos);
}

// A Gateway created at 2025-01-01T00:00:0<second>Z (so "oldest first" is
// explicit).
std::string DatedGateway(absl::string_view name, int second, absl::string_view listeners,
                         absl::string_view extra_spec = "") {
  return absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: )",
                      name, R"(, namespace: infra, creationTimestamp: "2025-01-01T00:00:0)", second,
                      R"(Z"}
spec:
  gatewayClassName: cilium
)",
                      extra_spec, "  listeners:\n", listeners);
}

constexpr char kConflictedOnly[] = R"(  - {name: web, protocol: HTTP, port: 8080}
  - {name: raw, protocol: TCP, port: 8080}
)";

TEST(GatewayStatus, RejectedGatewaysTakeNoPoolAddress) {
  auto e = NewEngine();
  // Older than the valid Gateway, but not accepted: every listener conflicts,
  // or the infrastructure parametersRef is unusable.
  Apply(e.get(), DatedGateway("conflicted", 0, kConflictedOnly));
  Apply(e.get(),
        DatedGateway("bad-params", 1, kHttp80,
                     "  infrastructure:\n    parametersRef: {group: x.io, kind: P, name: p}\n"));
  Apply(e.get(), DatedGateway("good", 2, kHttp80));
  for (absl::string_view name : {"conflicted", "bad-params"}) {
    model::Value st = StatusOf(e.get(), "Gateway", "infra", name);
    EXPECT_EQ(Cond(Conditions(st), "Accepted").rfind("False/", 0), 0u) << name;
    EXPECT_EQ(st.Find("addresses"), nullptr) << name << ": " << st.ToJson();
  }
  model::Value good = StatusOf(e.get(), "Gateway", "infra", "good");
  EXPECT_EQ(Cond(Conditions(good), "Programmed"), "True/Programmed");
  EXPECT_NE(good.ToJson().find(R"("addresses":[{"type":"IPAddress","value":"10.0.0.0"}])"),
            std::string::npos)
      << good.ToJson();
}

TEST(GatewayStatus, RejectedGatewayDoesNotHoldItsStaticAddress) {
  auto e = NewEngine();
  Apply(e.get(), DatedGateway("conflicted", 0, kConflictedOnly,
                              "  addresses: [{type: IPAddress, value: 10.0.0.2}]\n"));
  Apply(e.get(),
        DatedGateway("good", 1, kHttp80, "  addresses: [{type: IPAddress, value: 10.0.0.2}]\n"));
  model::Value bad = StatusOf(e.get(), "Gateway", "infra", "conflicted");
  EXPECT_EQ(bad.Find("addresses"), nullptr) << bad.ToJson();
  model::Value good = StatusOf(e.get(), "Gateway", "infra", "good");
  EXPECT_EQ(Cond(Conditions(good), "Programmed"), "True/Programmed");
  EXPECT_NE(good.ToJson().find(R"("value":"10.0.0.2")"), std::string::npos) << good.ToJson();
}

TEST(GatewayStatus, PoolAssignmentSkippingRejectedGatewaysIsIndependentOfArrivalOrder) {
  std::vector<std::string> objects = {
      DatedGateway("a", 0, kHttp80), DatedGateway("conflicted", 1, kConflictedOnly),
      DatedGateway("b", 2, kHttp80), DatedGateway("c", 3, kHttp80)};
  std::string first;
  for (int round = 0; round < 2; ++round) {
    auto e = NewEngine();
    if (round == 1) std::reverse(objects.begin(), objects.end());
    for (const std::string& o : objects) Apply(e.get(), o);
    std::string all;
    for (absl::string_view name : {"a", "conflicted", "b", "c"}) {
      absl::StrAppend(&all, name, "=", StatusOf(e.get(), "Gateway", "infra", name).ToJson(), "\n");
    }
    if (round == 0) {
      first = all;
      EXPECT_NE(all.find(R"(b={"addresses":[{"type":"IPAddress","value":"10.0.0.1"}])"),
                std::string::npos)
          << all;
      EXPECT_NE(all.find(R"(c={"addresses":[{"type":"IPAddress","value":"10.0.0.2"}])"),
                std::string::npos)
          << all;
    } else {
      EXPECT_EQ(all, first);
    }
  }
}

TEST(GatewayStatus, StaticAddressOutsideEveryPoolIsNotUsable) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80, "  addresses: [{value: 192.0.2.1}]\n"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(Conditions(st), "Programmed"), "False/AddressNotUsable");
}

TEST(GatewayStatus, StaticAddressInsidePoolIsReported) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80, "  addresses: [{type: IPAddress, value: 10.0.0.2}]\n"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(Conditions(st), "Programmed"), "True/Programmed");
  EXPECT_NE(st.ToJson().find(R"("value":"10.0.0.2")"), std::string::npos);
}

TEST(GatewayStatus, UnsupportedAddressTypeIsNotAccepted) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80, "  addresses: [{type: Hostname, value: gw.example}]\n"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "False/UnsupportedAddress");
}

TEST(GatewayStatus, GatewayOfUnknownClassGetsNoStatus) {
  auto e = NewEngine();
  std::string yaml = Gateway("gw", kHttp80);
  yaml.replace(yaml.find("cilium"), 6, "nope");
  Apply(e.get(), yaml);
  EXPECT_TRUE(StatusOf(e.get(), "Gateway", "infra", "gw").is_null());
}

TEST(ListenerTls, NonTlsSecretIsInvalidCertificateRef) {
  auto e = NewEngine();
  Apply(e.get(), Secret("infra", "cert", "Opaque"));
  Apply(e.get(), Gateway("gw", HttpsListener("infra", "cert")));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value* lc = ListenerConditions(st, "https");
  EXPECT_EQ(Cond(lc, "ResolvedRefs"), "False/InvalidCertificateRef");
  EXPECT_EQ(Cond(lc, "Programmed"), "False/Invalid");
  std::string msg(testing::FindCondition(lc, "ResolvedRefs")->GetString("message"));
  EXPECT_TRUE(absl::StrContains(msg, "infra/cert")) << msg;
  EXPECT_TRUE(absl::StrContains(msg, "kubernetes.io/tls")) << msg;
}

// The certificate is checked even when the listener has another
// reference problem first: an unusable certificate must not be served.
TEST(ListenerTls, MissingSecretIsCaughtBehindInvalidRouteKinds) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", R"(  - name: https
    protocol: HTTPS
    port: 443
    tls:
      certificateRefs: [{name: absent}]
    allowedRoutes:
      kinds: [{kind: HTTPRoute}, {kind: TCPRoute}]
)"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value* lc = ListenerConditions(st, "https");
  EXPECT_EQ(Cond(lc, "ResolvedRefs"), "False/InvalidRouteKinds");
  EXPECT_EQ(Cond(lc, "Programmed"), "False/Invalid");
  std::string msg(testing::FindCondition(lc, "Programmed")->GetString("message"));
  EXPECT_TRUE(absl::StrContains(msg, "infra/absent does not exist")) << msg;
}

// spec.tls.frontend caCertificateRefs: some unusable ones make ResolvedRefs
// False; only when none is usable is the listener not accepted.
TEST(ListenerTls, SomeUnusableFrontendCasLeaveTheListenerProgrammed) {
  auto e = NewEngine();
  Apply(e.get(), Secret("infra", "cert", "kubernetes.io/tls"));
  Apply(e.get(), R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: infra}
data:
  ca.crt: |
    -----BEGIN CERTIFICATE-----
    MIIBfake
    -----END CERTIFICATE-----
)");
  const std::string frontend = R"(  tls:
    frontend:
      default:
        validation:
          caCertificateRefs:
          - {group: "", kind: ConfigMap, name: ca}
          - {group: "", kind: ConfigMap, name: ca, namespace: elsewhere}
)";
  Apply(e.get(), Gateway("gw", HttpsListener("infra", "cert"), frontend));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value* lc = ListenerConditions(st, "https");
  EXPECT_EQ(Cond(lc, "ResolvedRefs"), "False/RefNotPermitted");
  EXPECT_EQ(Cond(lc, "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(lc, "Programmed"), "True/Programmed");
}

TEST(ListenerTls, ValidTlsSecretResolves) {
  auto e = NewEngine();
  Apply(e.get(), Secret("infra", "cert", "kubernetes.io/tls"));
  Apply(e.get(), Gateway("gw", HttpsListener("infra", "cert")));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(ListenerConditions(st, "https"), "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_EQ(Cond(ListenerConditions(st, "https"), "Programmed"), "True/Programmed");
}

TEST(ListenerTls, SecretThatIsNotPemIsInvalidCertificateRef) {
  auto e = NewEngine();
  Apply(e.get(), Secret("infra", "cert", "kubernetes.io/tls", "SGVsbG8gd29ybGQK"));
  Apply(e.get(), Gateway("gw", HttpsListener("infra", "cert")));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(ListenerConditions(st, "https"), "ResolvedRefs"), "False/InvalidCertificateRef");
}

TEST(ListenerTls, CrossNamespaceSecretNeedsGrantInTheSecretsNamespace) {
  auto e = NewEngine();
  Apply(e.get(), Secret("certs", "cert", "kubernetes.io/tls"));
  // A grant in the Gateway's namespace (the wrong one) permits nothing.
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: wrong-place, namespace: infra}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
  to: [{group: "", kind: Secret}]
)");
  Apply(e.get(), Gateway("gw", HttpsListener("certs", "cert")));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(ListenerConditions(st, "https"), "ResolvedRefs"), "False/RefNotPermitted");
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: right-place, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
  to: [{group: "", kind: Secret, name: cert}]
)");
  st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(ListenerConditions(st, "https"), "ResolvedRefs"), "True/ResolvedRefs");
}

TEST(ListenerTls, MissingCrossNamespaceSecretIsNotRevealed) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", HttpsListener("certs", "absent")));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value* c = testing::FindCondition(ListenerConditions(st, "https"), "ResolvedRefs");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->GetString("reason"), "RefNotPermitted");
  EXPECT_FALSE(absl::StrContains(c->GetString("message"), "does not exist"));
}

TEST(ListenerTls, OverlappingHostnamesOnOnePortAreFlagged) {
  auto e = NewEngine();
  Apply(e.get(), Secret("infra", "cert", "kubernetes.io/tls"));
  Apply(e.get(), Gateway("gw", R"(  - name: wild
    protocol: HTTPS
    port: 443
    hostname: "*.example.com"
    tls: {certificateRefs: [{name: cert}]}
  - name: exact
    protocol: HTTPS
    port: 443
    hostname: foo.example.com
    tls: {certificateRefs: [{name: cert}]}
  - name: elsewhere
    protocol: HTTPS
    port: 443
    hostname: foo.example.net
    tls: {certificateRefs: [{name: cert}]}
)"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(ListenerConditions(st, "wild"), "OverlappingTLSConfig"),
            "True/OverlappingHostnames");
  EXPECT_EQ(Cond(ListenerConditions(st, "exact"), "OverlappingTLSConfig"),
            "True/OverlappingHostnames");
  // Negative polarity: never written as False.
  EXPECT_EQ(Cond(ListenerConditions(st, "elsewhere"), "OverlappingTLSConfig"), "absent");
  EXPECT_EQ(Cond(ListenerConditions(st, "wild"), "Accepted"), "True/Accepted");
}

TEST(ListenerKinds, UnsupportedKindIsDroppedAndReported) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", R"(  - name: http
    protocol: HTTP
    port: 80
    allowedRoutes:
      kinds: [{kind: HTTPRoute}, {kind: TCPRoute}]
)"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  const model::Value* l = Listener(st, "http");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->Find("supportedKinds")->ToJson(),
            R"([{"group":"gateway.networking.k8s.io","kind":"HTTPRoute"}])");
  EXPECT_EQ(Cond(l->Find("conditions"), "ResolvedRefs"), "False/InvalidRouteKinds");
}

TEST(GatewayStatus, InvalidInfrastructureParametersRefIsInvalidParameters) {
  auto e = NewEngine();
  Apply(e.get(),
        Gateway("gw", kHttp80,
                "  infrastructure:\n    parametersRef: {group: x.io, kind: P, name: p}\n"));
  model::Value st = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "False/InvalidParameters");
}

TEST(ListenerSetStatus, NotAllowedByDefault) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80));
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: infra}
spec:
  parentRef: {name: gw}
  listeners: [{name: extra, protocol: HTTP, port: 8080}]
)");
  model::Value st = StatusOf(e.get(), "ListenerSet", "infra", "ls");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "False/NotAllowed");
}

TEST(ListenerSetStatus, AllowedSetIsAcceptedAndCounted) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", kHttp80, "  allowedListeners: {namespaces: {from: Same}}\n"));
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: infra}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: extra, protocol: HTTP, port: 8080}
  - {name: clash, protocol: TCP, port: 80}
)");
  model::Value st = StatusOf(e.get(), "ListenerSet", "infra", "ls");
  EXPECT_EQ(Cond(Conditions(st), "Accepted"), "True/ListenersNotValid");
  EXPECT_EQ(Cond(ListenerConditions(st, "clash"), "Conflicted"), "True/ProtocolConflict");
  model::Value gw = StatusOf(e.get(), "Gateway", "infra", "gw");
  EXPECT_EQ(gw.Find("attachedListenerSets")->int_value(), 1);
  // The Gateway's own listener wins over the set's.
  EXPECT_EQ(Cond(ListenerConditions(gw, "http"), "Accepted"), "True/Accepted");
}

TEST(ListenerSetStatus, SameTcpOrUdpPortAsAnEarlierListenerIsListenerConflict) {
  auto e = NewEngine();
  Apply(e.get(), Gateway("gw", R"(  - {name: tcp, protocol: TCP, port: 9000}
  - {name: udp, protocol: UDP, port: 9001}
  - {name: web, protocol: HTTP, port: 80, hostname: a.example.com}
)",
                         "  allowedListeners: {namespaces: {from: Same}}\n"));
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: infra}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: tcp-again, protocol: TCP, port: 9000}
  - {name: udp-again, protocol: UDP, port: 9001}
  - {name: web-again, protocol: HTTP, port: 80, hostname: a.example.com}
  - {name: tcp-on-web, protocol: TCP, port: 80}
)");
  model::Value st = StatusOf(e.get(), "ListenerSet", "infra", "ls");
  for (absl::string_view name : {"tcp-again", "udp-again"}) {
    const model::Value* lc = ListenerConditions(st, name);
    EXPECT_EQ(Cond(lc, "Conflicted"), "True/ListenerConflict") << name;
    EXPECT_EQ(Cond(lc, "Accepted").rfind("False/", 0), 0u) << name;
  }
  EXPECT_TRUE(absl::StrContains(
      testing::FindCondition(ListenerConditions(st, "tcp-again"), "Conflicted")->GetString("message"),
      "port 9000"));
  // Same port and hostname over HTTP stays HostnameConflict (as the v1.6.1
  // conformance suite expects); different protocols stay ProtocolConflict.
  EXPECT_EQ(Cond(ListenerConditions(st, "web-again"), "Conflicted"), "True/HostnameConflict");
  EXPECT_EQ(Cond(ListenerConditions(st, "tcp-on-web"), "Conflicted"), "True/ProtocolConflict");
  // The Gateway's own listeners win.
  model::Value gw = StatusOf(e.get(), "Gateway", "infra", "gw");
  for (absl::string_view name : {"tcp", "udp", "web"}) {
    EXPECT_EQ(Cond(ListenerConditions(gw, name), "Accepted"), "True/Accepted") << name;
    EXPECT_EQ(Cond(ListenerConditions(gw, name), "Conflicted"), "False/NoConflicts") << name;
  }
}

}  // namespace
}  // namespace gwapi::resolve
