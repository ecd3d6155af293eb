// The LB view of the reference scenario: the Gateway address as an L7
// frontend to the proxy port, the TCP listener as an L4 frontend to the
// route's endpoints, the Service's ClusterIP to its endpoints.
#include "lib/compile/lb_view.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/compile/scenario.h"

namespace gwapi {
namespace {

const lb::Frontend* Find(const compile::LbView& v, const char* addr, uint16_t port) {
  for (const lb::Frontend& f : v.state.frontends) {
    if (f.address.ToString() == addr && f.port == port) return &f;
  }
  return nullptr;
}

compile::LbView View(engine::Engine& e, compile::LbViewOptions o = {}) {
  auto snap = e.Snapshot();
  EXPECT_TRUE(snap.ok());
  return compile::MakeLbView(**snap, o);
}

TEST(LbView, GatewayAddressIsAnL7FrontendToTheProxyPort) {
  auto e = testing::ScenarioEngine();
  compile::LbView v = View(*e);
  const lb::Frontend* f = Find(v, "172.17.0.64", 80);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, lb::FrontendType::kL7LoadBalancer);
  EXPECT_EQ(f->l7_proxy_port, 12141);
  // Cilium's placeholder backend, so the master's count is 1 as Cilium's.
  ASSERT_EQ(f->backends.size(), 1u);
  EXPECT_EQ(f->backends[0].address.ToString(), "192.192.192.192");
  EXPECT_EQ(f->backends[0].port, 9999);
}

TEST(LbView, ProxyPortIsAnOption) {
  auto e = testing::ScenarioEngine();
  compile::LbViewOptions o;
  o.l7_proxy_port = 15000;
  EXPECT_EQ(Find(View(*e, o), "172.17.0.64", 80)->l7_proxy_port, 15000);
}

TEST(LbView, TcpListenerIsAnL4FrontendToTheRoutesEndpoints) {
  auto e = testing::ScenarioEngine();
  compile::LbView v = View(*e);
  const lb::Frontend* f = Find(v, "172.17.0.64", 9000);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, lb::FrontendType::kLoadBalancer);
  EXPECT_EQ(f->protocol, lb::Protocol::kTcp);
  // The ready endpoint, and the terminating one kept for draining; the
  // endpoint that is neither is left out.
  ASSERT_EQ(f->backends.size(), 2u);
  EXPECT_EQ(f->backends[0].address.ToString(), "10.244.1.46");
  EXPECT_EQ(f->backends[0].port, 8080);
  EXPECT_EQ(f->backends[0].state, lb::BackendState::kActive);
  EXPECT_EQ(f->backends[0].weight, 3u);  // the backendRef's weight
  EXPECT_EQ(f->backends[1].address.ToString(), "10.244.1.47");
  EXPECT_EQ(f->backends[1].state, lb::BackendState::kTerminating);
}

TEST(LbView, ServiceClusterIpIsAFrontendToItsEndpoints) {
  auto e = testing::ScenarioEngine();
  compile::LbView v = View(*e);
  const lb::Frontend* f = Find(v, "10.96.120.15", 8000);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, lb::FrontendType::kClusterIP);
  ASSERT_EQ(f->backends.size(), 2u);
  EXPECT_EQ(f->backends[0].port, 8080);
  EXPECT_EQ(v.state.frontends.size(), 3u);
  EXPECT_TRUE(v.notes.empty());
}

TEST(LbView, RemovedRouteLeavesNoL4Backends) {
  auto e = testing::ScenarioEngine();
  ASSERT_TRUE(e->Delete({"gateway.networking.k8s.io", "TCPRoute", "default", "tcp"}).ok());
  compile::LbView v = View(*e);
  const lb::Frontend* f = Find(v, "172.17.0.64", 9000);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->backends.empty());
}


// A DNS-like Service with port 53 over UDP and TCP to different endpoint
// ports, a UDP listener and UDPRoute to it, and a second HTTP listener on
// port 80.
constexpr char kDns[] = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway, namespace: cilium-ingress}
spec:
  gatewayClassName: cilium
  listeners:
  - {name: http, protocol: HTTP, port: 80, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
  - {name: http-other, protocol: HTTP, port: 80, hostname: "*.example.org", allowedRoutes: {namespaces: {from: All}}}
  - {name: dns, protocol: UDP, port: 53, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: default}
spec:
  clusterIP: 10.96.0.10
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 5353}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5354}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: dns-1
  namespace: default
  labels: {kubernetes.io/service-name: dns}
addressType: IPv4
endpoints: [{addresses: [10.244.0.5]}]
ports: [{name: dns, port: 5353, protocol: UDP}, {name: dns-tcp, port: 5354, protocol: TCP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: UDPRoute
metadata: {name: dns, namespace: default}
spec:
  parentRefs: [{name: gateway, namespace: cilium-ingress, sectionName: dns}]
  rules:
  - backendRefs: [{name: dns, port: 53}]
)";

TEST(LbView, UdpListenerReachesTheUdpPortOfAServiceUsingTheNumberTwice) {
  auto e = testing::ScenarioEngine();
  ASSERT_TRUE(e->Apply(kDns).ok());
  compile::LbView v = View(*e);
  const lb::Frontend* f = Find(v, "172.17.0.64", 53);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->protocol, lb::Protocol::kUdp);
  ASSERT_EQ(f->backends.size(), 1u);
  EXPECT_EQ(f->backends[0].port, 5353);
}

TEST(LbView, ListenersSharingAPortAreOneFrontendWithoutANote) {
  auto e = testing::ScenarioEngine();
  ASSERT_TRUE(e->Apply(kDns).ok());
  compile::LbView v = View(*e);
  ASSERT_NE(Find(v, "172.17.0.64", 80), nullptr);
  // Without protocol differentiation, the DNS Service's UDP and TCP port 53
  // on one ClusterIP are one entry: that difference is noted, nothing else.
  ASSERT_EQ(v.notes.size(), 1u) << v.notes[0];
  EXPECT_NE(v.notes[0].find("10.96.0.10:53/TCP is already a different frontend"), std::string::npos)
      << v.notes[0];
}

TEST(LbView, InvalidBackendShareOfAnL4RuleIsNoted) {
  auto e = testing::ScenarioEngine();
  ASSERT_TRUE(e->Apply(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: tcp, namespace: default}
spec:
  parentRefs: [{name: gateway, namespace: cilium-ingress, sectionName: tcp}]
  rules:
  - backendRefs: [{name: httpbin, port: 8000, weight: 20}, {name: missing, port: 80, weight: 80}]
)").ok());
  compile::LbView v = View(*e);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_NE(v.notes[0].find("80 of 100 weight goes to invalid backendRefs"), std::string::npos)
      << v.notes[0];
}

}  // namespace
}  // namespace gwapi
