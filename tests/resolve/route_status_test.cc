// Route parent status (every route kind) and BackendTLSPolicy ancestors.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/resolve/testing.h"

namespace gwapi::resolve {
namespace {

using testing::Apply;
using testing::Cond;
using testing::FindCondition;
using testing::NewEngine;
using testing::ParentConditions;
using testing::StatusOf;

// Gateway infra/gw: "web" (HTTP 80, *.example.com, routes from All),
// "same" (HTTP 8080, Same namespace), "tcp" (TCP 9000, All); Services
// infra/svc and app/svc on port 80.
constexpr char kWorld[] = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: cilium
  listeners:
  - name: web
    protocol: HTTP
    port: 80
    hostname: "*.example.com"
    allowedRoutes: {namespaces: {from: All}}
  - {name: same, protocol: HTTP, port: 8080}
  - name: tcp
    protocol: TCP
    port: 9000
    allowedRoutes: {namespaces: {from: All}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: infra}
spec:
  gatewayClassName: cilium
  listeners: [{name: only-here, protocol: HTTP, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: infra}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: app}
spec: {ports: [{port: 80}]}
)";

std::string Route(absl::string_view ns, absl::string_view parent_refs,
                  absl::string_view backends = "[{name: svc, port: 80}]",
                  absl::string_view hostnames = "[a.example.com]") {
  return absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: )",
                      ns, "}\nspec:\n  parentRefs: ", parent_refs, "\n  hostnames: ", hostnames,
                      "\n  rules:\n  - backendRefs: ", backends, "\n");
}

model::Value RouteStatus(engine::Engine* e, absl::string_view ns = "app") {
  return StatusOf(e, "HTTPRoute", ns, "r");
}

// A copy of the first parent's condition of `type` on route app/r (null
// Value when absent).
model::Value ParentCondition(engine::Engine* e, absl::string_view type) {
  model::Value st = RouteStatus(e);
  const model::Value* c = FindCondition(ParentConditions(st), type);
  return c == nullptr ? model::Value() : *c;
}

int64_t Attached(engine::Engine* e, absl::string_view listener) {
  model::Value gw = StatusOf(e, "Gateway", "infra", "gw");
  const model::Value* l = testing::Listener(gw, listener);
  return l == nullptr ? -1 : l->Find("attachedRoutes")->int_value();
}

TEST(RouteStatus, AttachedRouteIsAcceptedAndResolvedAndCounted) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("infra", "[{name: gw}]"));
  model::Value st = RouteStatus(e.get(), "infra");
  EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(ParentConditions(st), "ResolvedRefs"), "True/ResolvedRefs");
  const model::Value& parent = st.Find("parents")->array()[0];
  EXPECT_EQ(parent.Find("parentRef")->ToJson(),
            R"({"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"infra",)"
            R"("name":"gw"})");
  EXPECT_EQ(parent.GetString("controllerName"), testing::kController);
  EXPECT_EQ(Attached(e.get(), "web"), 1);
  EXPECT_EQ(Attached(e.get(), "same"), 1);
  EXPECT_EQ(Attached(e.get(), "tcp"), 0);
}

TEST(RouteStatus, RouteNamingMissingGatewayIsNoMatchingParent) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: ghost, namespace: infra}]"));
  model::Value c = ParentCondition(e.get(), "Accepted");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c.GetString("reason"), "NoMatchingParent");
  EXPECT_TRUE(absl::StrContains(c.GetString("message"), "infra/ghost"));
}

TEST(RouteStatus, SectionNameOfAnotherGatewaysListenerIsNoMatchingParent) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra, sectionName: only-here}]"));
  model::Value c = ParentCondition(e.get(), "Accepted");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c.GetString("reason"), "NoMatchingParent");
  EXPECT_TRUE(absl::StrContains(c.GetString("message"), "\"only-here\""));
  EXPECT_EQ(Attached(e.get(), "web"), 0);
}

TEST(RouteStatus, PortSelectsListenersOnThatPort) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("infra", "[{name: gw, port: 8080}]"));
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get(), "infra")), "Accepted"), "True/Accepted");
  EXPECT_EQ(Attached(e.get(), "same"), 1);
  EXPECT_EQ(Attached(e.get(), "web"), 0);
}

TEST(RouteStatus, ListenerOfSameNamespaceRefusesOtherNamespace) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra, sectionName: same}]"));
  model::Value c = ParentCondition(e.get(), "Accepted");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c.GetString("reason"), "NotAllowedByListeners");
  EXPECT_TRUE(absl::StrContains(c.GetString("message"), "\"same\"")) << c.GetString("message");
}

TEST(RouteStatus, WrongKindForListenerIsNotAllowedByListeners) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra, sectionName: tcp}]"));
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "Accepted"),
            "False/NotAllowedByListeners");
}

TEST(RouteStatus, DisjointHostnamesAreNoMatchingListenerHostname) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra, sectionName: web}]",
                       "[{name: svc, port: 80}]", "[example.net]"));
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "Accepted"),
            "False/NoMatchingListenerHostname");
}

TEST(RouteStatus, WildcardRouteHostnameIntersectsWildcardListener) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra, sectionName: web}]",
                       "[{name: svc, port: 80}]", "[\"*.a.example.com\", example.net]"));
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "Accepted"), "True/Accepted");
}

TEST(RouteStatus, CrossNamespaceBackendWithoutGrantIsRefNotPermitted) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]",
                       "[{name: svc, namespace: infra, port: 80}]"));
  model::Value st = RouteStatus(e.get());
  EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(ParentConditions(st), "ResolvedRefs"), "False/RefNotPermitted");
}

TEST(RouteStatus, MissingBackendBehindMissingGrantIsNotRevealed) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]",
                       "[{name: nothing-here, namespace: infra, port: 80}]"));
  model::Value c = ParentCondition(e.get(), "ResolvedRefs");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c.GetString("reason"), "RefNotPermitted");
  EXPECT_FALSE(absl::StrContains(c.GetString("message"), "does not exist"));
}

TEST(RouteStatus, GrantInTheWrongNamespaceDoesNotPermit) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  constexpr char kGrant[] = R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: %s}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: app}]
  to: [{group: "", kind: Service}]
)";
  std::string wrong(kGrant);
  wrong.replace(wrong.find("%s"), 2, "app");
  Apply(e.get(), wrong);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]",
                       "[{name: svc, namespace: infra, port: 80}]"));
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "ResolvedRefs"), "False/RefNotPermitted");
  std::string right(kGrant);
  right.replace(right.find("%s"), 2, "infra");
  Apply(e.get(), right);
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "ResolvedRefs"), "True/ResolvedRefs");
}

TEST(RouteStatus, MissingServiceIsBackendNotFoundNamingIt) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]", "[{name: gone, port: 80}]"));
  model::Value c = ParentCondition(e.get(), "ResolvedRefs");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c.GetString("reason"), "BackendNotFound");
  EXPECT_TRUE(absl::StrContains(c.GetString("message"), "app/gone"));
  // Still accepted: a route with unresolved backends stays attached.
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "Accepted"), "True/Accepted");
}

TEST(RouteStatus, UnsupportedBackendKindIsInvalidKind) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]",
                       "[{group: example.com, kind: Bucket, name: b}]"));
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "ResolvedRefs"), "False/InvalidKind");
}

// Service app/protos: one port per appProtocol under test.
constexpr char kProtocolService[] = R"(
apiVersion: v1
kind: Service
metadata: {name: protos, namespace: app}
spec:
  ports:
  - {name: plain, port: 80}
  - {name: http, port: 81, appProtocol: http}
  - {name: https, port: 82, appProtocol: HTTPS}
  - {name: h2c, port: 83, appProtocol: kubernetes.io/h2c}
  - {name: ws, port: 84, appProtocol: kubernetes.io/ws}
  - {name: odd, port: 85, appProtocol: example.com/carrier-pigeon}
)";

std::string GrpcRoute(int port) {
  return absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: web}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: protos, port: )",
                      port, "}]}]\n");
}

TEST(RouteStatus, HttpRouteBackendWithUnknownAppProtocolIsUnsupportedProtocol) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), kProtocolService);
  Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]", "[{name: protos, port: 85}]"));
  model::Value c = ParentCondition(e.get(), "ResolvedRefs");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c.GetString("status"), "False");
  EXPECT_EQ(c.GetString("reason"), "UnsupportedProtocol");
  std::string msg(c.GetString("message"));
  EXPECT_TRUE(absl::StrContains(msg, "Service app/protos")) << msg;
  EXPECT_TRUE(absl::StrContains(msg, "port 85")) << msg;
  EXPECT_TRUE(absl::StrContains(msg, "\"example.com/carrier-pigeon\"")) << msg;
  // The route stays attached; only the backend is invalid.
  EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "Accepted"), "True/Accepted");
}

TEST(RouteStatus, HttpRouteBackendWithSupportedAppProtocolIsResolved) {
  for (int port : {80, 81, 82, 83, 84}) {
    auto e = NewEngine();
    Apply(e.get(), kWorld);
    Apply(e.get(), kProtocolService);
    Apply(e.get(), Route("app", "[{name: gw, namespace: infra}]",
                         absl::StrCat("[{name: protos, port: ", port, "}]")));
    EXPECT_EQ(Cond(ParentConditions(RouteStatus(e.get())), "ResolvedRefs"), "True/ResolvedRefs")
        << "port " << port;
  }
}

TEST(RouteStatus, GrpcRouteBackendSpeakingHttp1IsUnsupportedProtocol) {
  for (int port : {81, 84, 85}) {  // http, kubernetes.io/ws, unknown
    auto e = NewEngine();
    Apply(e.get(), kWorld);
    Apply(e.get(), kProtocolService);
    Apply(e.get(), GrpcRoute(port));
    model::Value st = StatusOf(e.get(), "GRPCRoute", "app", "g");
    EXPECT_EQ(Cond(ParentConditions(st), "ResolvedRefs"), "False/UnsupportedProtocol")
        << "port " << port;
    EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "True/Accepted") << "port " << port;
  }
  for (int port : {80, 82, 83}) {  // unset, HTTPS, kubernetes.io/h2c
    auto e = NewEngine();
    Apply(e.get(), kWorld);
    Apply(e.get(), kProtocolService);
    Apply(e.get(), GrpcRoute(port));
    model::Value st = StatusOf(e.get(), "GRPCRoute", "app", "g");
    EXPECT_EQ(Cond(ParentConditions(st), "ResolvedRefs"), "True/ResolvedRefs") << "port " << port;
  }
}

TEST(RouteStatus, TcpRouteBackendAppProtocolIsNotChecked) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), kProtocolService);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: t, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: tcp}]
  rules: [{backendRefs: [{name: protos, port: 85}]}]
)");
  model::Value st = StatusOf(e.get(), "TCPRoute", "app", "t");
  EXPECT_EQ(Cond(ParentConditions(st), "ResolvedRefs"), "True/ResolvedRefs");
}

TEST(RouteStatus, ParentOfAnotherControllerIsLeftOut) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: theirs, namespace: infra}
spec:
  gatewayClassName: not-ours
  listeners: [{name: http, protocol: HTTP, port: 80}]
)");
  Apply(e.get(), Route("app", "[{name: theirs, namespace: infra}]"));
  EXPECT_TRUE(RouteStatus(e.get()).is_null());
}

TEST(RouteStatus, TcpRouteAttachesToTcpListener) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: t, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: tcp}]
  rules: [{backendRefs: [{name: svc, port: 80}]}]
)");
  model::Value st = StatusOf(e.get(), "TCPRoute", "app", "t");
  EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Attached(e.get(), "tcp"), 1);
}

TEST(RouteStatus, NewerGrpcRouteLosesSharedHostnameToOlderHttpRoute) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: app, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: web}]
  hostnames: [a.example.com]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rpc, namespace: app, creationTimestamp: "2025-02-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: web}]
  hostnames: ["*.example.com"]
)");
  model::Value http = StatusOf(e.get(), "HTTPRoute", "app", "web");
  model::Value grpc = StatusOf(e.get(), "GRPCRoute", "app", "rpc");
  EXPECT_EQ(Cond(ParentConditions(http), "Accepted"), "True/Accepted");
  const model::Value* c = FindCondition(ParentConditions(grpc), "Accepted");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->GetString("status"), "False");
  EXPECT_TRUE(absl::StrContains(c->GetString("message"), "HTTPRoute app/web"));
  EXPECT_EQ(Attached(e.get(), "web"), 1);
}

TEST(BackendTlsPolicyStatus, OlderPolicyWinsAndAncestorIsTheGateway) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), Route("infra", "[{name: gw}]"));
  for (absl::string_view name : {"a-newer", "b-older"}) {
    Apply(e.get(), absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: )",
                                name, R"(, namespace: infra, creationTimestamp: ")",
                                name == "b-older" ? "2025-01-01T00:00:00Z" : "2025-06-01T00:00:00Z",
                                R"("}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}]
  validation: {hostname: svc.example.com, wellKnownCACertificates: System}
)"));
  }
  model::Value older = StatusOf(e.get(), "BackendTLSPolicy", "infra", "b-older");
  model::Value newer = StatusOf(e.get(), "BackendTLSPolicy", "infra", "a-newer");
  const model::Value& anc = older.Find("ancestors")->array()[0];
  EXPECT_EQ(anc.Find("ancestorRef")->GetString("name"), "gw");
  EXPECT_EQ(Cond(anc.Find("conditions"), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(newer.Find("ancestors")->array()[0].Find("conditions"), "Accepted"),
            "False/Conflicted");
}


// An HTTPRoute app/r on infra/gw with two rules: the first matches the path
// by `regex`, the second by PathPrefix /ok.
std::string RegexRoute(absl::string_view regex, absl::string_view second = "/ok") {
  return absl::StrCat(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: RegularExpression, value: ')",
                      regex, R"('}}]
    backendRefs: [{name: svc, port: 80}]
  - matches: [{path: {type: )",
                      second.empty() ? "RegularExpression, value: '(?=x)'" :
                                       absl::StrCat("PathPrefix, value: ", second),
                      R"(}}]
    backendRefs: [{name: svc, port: 80}]
)");
}

TEST(RouteStatus, RegexRe2RejectsDropsTheRuleAndSaysPartiallyInvalid) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), RegexRoute("/a(?=b)"));  // lookahead: not RE2 syntax
  model::Value st = RouteStatus(e.get());
  EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(ParentConditions(st), "PartiallyInvalid"), "True/UnsupportedValue");
  const model::Value* c = FindCondition(ParentConditions(st), "PartiallyInvalid");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(absl::StartsWith(c->GetString("message"), "Dropped Rule(s) 0: rules[0].matches[0].path"))
      << c->GetString("message");
  EXPECT_EQ(Attached(e.get(), "web"), 1);
}

TEST(RouteStatus, EveryRuleRejectedIsNotAcceptedUnsupportedValue) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), RegexRoute("(a", ""));
  model::Value st = RouteStatus(e.get());
  EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "False/UnsupportedValue");
  EXPECT_EQ(FindCondition(ParentConditions(st), "PartiallyInvalid"), nullptr);
  EXPECT_EQ(Attached(e.get(), "web"), 0);
}

TEST(RouteStatus, ValidRegexIsAcceptedWithoutPartiallyInvalid) {
  auto e = NewEngine();
  Apply(e.get(), kWorld);
  Apply(e.get(), RegexRoute("/a/[0-9]+"));
  model::Value st = RouteStatus(e.get());
  EXPECT_EQ(Cond(ParentConditions(st), "Accepted"), "True/Accepted");
  EXPECT_EQ(FindCondition(ParentConditions(st), "PartiallyInvalid"), nullptr);
}

}  // namespace
}  // namespace gwapi::resolve
