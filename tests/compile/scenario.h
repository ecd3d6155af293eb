// The reference scenario (examples/seed) plus a TCP listener with a
// TCPRoute, as YAML, for the compile tests.
#ifndef GWAPI_TESTS_COMPILE_SCENARIO_H_
#define GWAPI_TESTS_COMPILE_SCENARIO_H_

#include <memory>

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
