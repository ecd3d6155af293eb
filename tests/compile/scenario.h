// The reference scenario (examples/seed) plus a TCP listener with a
// TCPRoute, as YAML, for the compile tests.
#ifndef GWAPI_TESTS_COMPILE_SCENARIO_H_
#define GWAPI_TESTS_COMPILE_SCENARIO_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "gtest/gtest.h"
#include "lib/engine/engine.h"

namespace gwapi::testing {

inline constexpr char kScenario[] = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cilium}
spec: {controllerName: io.cilium/gateway-controller}
---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata: {name: pool}
spec: {blocks: [{cidr: 172.17.0.64/26}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway, namespace: cilium-ingress}
spec:
  gatewayClassName: cilium
  listeners:
  - name: http
    protocol: HTTP
    port: 80
    hostname: "*.example.com"
    allowedRoutes: {namespaces: {from: All}}
  - name: tcp
    protocol: TCP
    port: 9000
    allowedRoutes: {namespaces: {from: All}}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec:
  clusterIP: 10.96.120.15
  clusterIPs: [10.96.120.15]
  ports: [{name: http, port: 8000, targetPort: 8080, appProtocol: http}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: httpbin-1
  namespace: default
  labels: {kubernetes.io/service-name: httpbin}
addressType: IPv4
endpoints:
- addresses: [10.244.1.46]
  conditions: {ready: true}
- addresses: [10.244.1.47]
  conditions: {ready: false, terminating: true}
- addresses: [10.244.1.48]
  conditions: {ready: false}
ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: http, namespace: default}
spec:
  parentRefs: [{name: gateway, namespace: cilium-ingress}]
  hostnames: [httpbin.example.com, "*.example.com", other.org]
  rules:
  - matches: [{path: {type: PathPrefix, value: /get}}]
    backendRefs: [{name: httpbin, port: 8000}, {name: missing, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: tcp, namespace: default}
spec:
  parentRefs: [{name: gateway, namespace: cilium-ingress, sectionName: tcp}]
  rules:
  - backendRefs: [{name: httpbin, port: 8000, weight: 3}]
)";

// A kubernetes.io/tls Secret whose data looks like PEM (what the status
// checks ask of a certificate).
inline std::string TlsSecret(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: ", name, ", namespace: ", ns,
      "}\ntype: kubernetes.io/tls\ndata:\n"
      "  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K\n"
      "  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K\n"
      "---\n");
}

// A ConfigMap holding a PEM ca.crt.
inline std::string CaConfigMap(absl::string_view ns, absl::string_view name) {
  return absl::StrCat("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ", name,
                      ", namespace: ", ns,
                      "}\ndata:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIBfake\n"
                      "    -----END CERTIFICATE-----\n---\n");
}

// Applies `yaml`; every object must be stored.
inline void ApplyAll(engine::Engine& e, absl::string_view yaml) {
  auto applied = e.Apply(yaml);
  ASSERT_TRUE(applied.ok()) << applied.status();
  for (const auto& obj : *applied) {
    ASSERT_NE(obj.outcome, engine::Outcome::kRejected)
        << obj.key.ToString() << (obj.errors.empty() ? "" : obj.errors[0].field);
  }
}

inline std::unique_ptr<engine::Engine> ScenarioEngine() {
  engine::EngineOptions o;
  o.controller_name = "io.cilium/gateway-controller";
  auto e = engine::Engine::Create(o);
  EXPECT_TRUE(e.ok());
  auto r = (*e)->Apply(kScenario);
  EXPECT_TRUE(r.ok()) << r.status();
  for (const auto& obj : *r) {
    EXPECT_NE(obj.outcome, engine::Outcome::kRejected) << obj.key.ToString();
  }
  return std::move(e).value();
}

}  // namespace gwapi::testing

#endif  // GWAPI_TESTS_COMPILE_SCENARIO_H_
