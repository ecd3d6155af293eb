// The compiled gwapi.v1.Snapshot of the reference scenario: programmed
// listeners, attachments with effective hostnames, backend verdicts,
// Services with their endpoints; and that it survives the wire.
#include "lib/compile/config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/route/decision_json.h"
#include "tests/compile/scenario.h"

namespace gwapi {
namespace {

namespace v1 = gwapi::v1;

const v1::Snapshot& Config(engine::Engine& e) {
  auto snap = e.Snapshot();
  EXPECT_TRUE(snap.ok()) << snap.status();
  static std::shared_ptr<const route::Snapshot> keep;
  keep = *snap;
  return keep->config();
}

TEST(CompileConfig, ProgrammedGatewayWithItsAddressAndListeners) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  ASSERT_EQ(c.gateways_size(), 1);
  const v1::Gateway& gw = c.gateways(0);
  EXPECT_EQ(gw.namespace_(), "cilium-ingress");
  EXPECT_EQ(gw.name(), "gateway");
  ASSERT_EQ(gw.addresses_size(), 1);
  EXPECT_EQ(gw.addresses(0), "172.17.0.64");
  ASSERT_EQ(gw.listeners_size(), 2);
  EXPECT_EQ(gw.listeners(0).protocol(), v1::PROTOCOL_HTTP);
  EXPECT_EQ(gw.listeners(0).hostname(), "*.example.com");
  EXPECT_EQ(gw.listeners(1).protocol(), v1::PROTOCOL_TCP);
  EXPECT_EQ(gw.listeners(1).port(), 9000u);
}

TEST(CompileConfig, AttachmentHostnamesAreTheIntersection) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  const v1::Listener& http = c.gateways(0).listeners(0);
  ASSERT_EQ(http.attachments_size(), 1);
  const v1::Attachment& a = http.attachments(0);
  EXPECT_EQ(c.routes(a.route()).name(), "http");
  // other.org does not intersect *.example.com; the two others do, each as
  // the more specific of the pair.
  ASSERT_EQ(a.hostnames_size(), 2);
  EXPECT_EQ(a.hostnames(0), "*.example.com");
  EXPECT_EQ(a.hostnames(1), "httpbin.example.com");
  // The TCPRoute names the tcp listener only.
  const v1::Listener& tcp = c.gateways(0).listeners(1);
  ASSERT_EQ(tcp.attachments_size(), 1);
  EXPECT_EQ(c.routes(tcp.attachments(0).route()).name(), "tcp");
}

TEST(CompileConfig, BackendVerdictsAndRules) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  const v1::Route* http = nullptr;
  for (const v1::Route& r : c.routes()) {
    if (r.name() == "http") http = &r;
  }
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->kind(), v1::ROUTE_KIND_HTTP);
  ASSERT_EQ(http->rules_size(), 1);
  const v1::Rule& rule = http->rules(0);
  ASSERT_EQ(rule.http_matches_size(), 1);
  EXPECT_EQ(rule.http_matches(0).path().type(), v1::MATCH_TYPE_PATH_PREFIX);
  EXPECT_EQ(rule.http_matches(0).path().value(), "/get");
  ASSERT_EQ(rule.backends_size(), 2);
  EXPECT_TRUE(rule.backends(0).valid());
  EXPECT_EQ(rule.backends(0).app_protocol(), "http");
  EXPECT_EQ(rule.backends(0).weight(), 1u);
  EXPECT_FALSE(rule.backends(1).valid());  // Service "missing"
}

TEST(CompileConfig, ServicesCarryClusterIpsPortsAndEndpoints) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  ASSERT_EQ(c.services_size(), 1);
  const v1::Service& s = c.services(0);
  EXPECT_EQ(s.name(), "httpbin");
  ASSERT_EQ(s.cluster_ips_size(), 1);
  EXPECT_EQ(s.cluster_ips(0), "10.96.120.15");
  ASSERT_EQ(s.ports_size(), 1);
  EXPECT_EQ(s.ports(0).target_port(), 8080u);
  ASSERT_EQ(s.endpoints_size(), 3);
  EXPECT_TRUE(s.endpoints(0).ready());
  EXPECT_TRUE(s.endpoints(1).terminating());
  EXPECT_FALSE(s.endpoints(2).ready());
  ASSERT_EQ(s.endpoints(0).ports_size(), 1);
  EXPECT_EQ(s.endpoints(0).ports(0).port(), 8080u);
}

TEST(CompileConfig, SameStoreSameBytes) {
  auto a = testing::ScenarioEngine();
  auto b = testing::ScenarioEngine();
  std::string x, y;
  ASSERT_TRUE(Config(*a).SerializeToString(&x));
  ASSERT_TRUE(Config(*b).SerializeToString(&y));
  EXPECT_EQ(x, y);
}

TEST(CompileConfig, SnapshotIsRepublishedOnlyWhenTheStoreChanges) {
  auto e = testing::ScenarioEngine();
  auto first = e->Snapshot();
  auto again = e->Snapshot();
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->get(), again->get());
  ASSERT_TRUE(e->Delete({"gateway.networking.k8s.io", "HTTPRoute", "default", "http"}).ok());
  auto after = e->Snapshot();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(first->get(), after->get());
  EXPECT_EQ((*after)->config().gateways(0).listeners(0).attachments_size(), 0);
  // The old snapshot is untouched.
  EXPECT_EQ((*first)->config().gateways(0).listeners(0).attachments_size(), 1);
}

// TLS material is named, never copied: the listener's certificates (only
// those that resolve), the frontend client validation, the Gateway's
// backend client certificate, and a BackendTLSPolicy's CAs and names.
TEST(CompileConfig, TlsReferencesByName) {
  auto e = testing::ScenarioEngine();
  const std::string objects = absl::StrCat(
      testing::TlsSecret("cilium-ingress", "cert"), testing::CaConfigMap("cilium-ingress", "ca"),
      testing::CaConfigMap("default", "backend-ca"), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway, namespace: cilium-ingress}
spec:
  gatewayClassName: cilium
  tls:
    backend:
      clientCertificateRef: {name: cert}
    frontend:
      default:
        validation:
          caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}, {group: "", kind: ConfigMap, name: absent}]
  listeners:
  - name: http
    protocol: HTTP
    port: 80
    hostname: "*.example.com"
    allowedRoutes: {namespaces: {from: All}}
  - name: https
    protocol: HTTPS
    port: 443
    hostname: "*.example.com"
    tls: {certificateRefs: [{name: cert}]}
    allowedRoutes: {namespaces: {from: All}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls, namespace: default}
spec:
  targetRefs: [{group: "", kind: Service, name: httpbin}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}]
    hostname: httpbin.internal
    subjectAltNames:
    - {type: Hostname, hostname: httpbin.internal}
    - {type: URI, uri: "spiffe://cluster.local/ns/default/sa/httpbin"}
)");
  testing::ApplyAll(*e, objects);
  const v1::Snapshot& c = Config(*e);
  ASSERT_EQ(c.gateways_size(), 1);
  const v1::Gateway& gw = c.gateways(0);
  ASSERT_TRUE(gw.has_backend_client_certificate());
  EXPECT_EQ(gw.backend_client_certificate().kind(), "Secret");
  EXPECT_EQ(gw.backend_client_certificate().namespace_(), "cilium-ingress");
  EXPECT_EQ(gw.backend_client_certificate().name(), "cert");
  const v1::Listener* https = nullptr;
  for (const v1::Listener& l : gw.listeners()) {
    if (l.name() == "https") https = &l;
    if (l.name() == "http") {
      EXPECT_EQ(l.certificates_size(), 0);
      EXPECT_FALSE(l.has_client_validation());  // frontend validation is for HTTPS
    }
  }
  ASSERT_NE(https, nullptr);
  ASSERT_EQ(https->certificates_size(), 1);
  EXPECT_EQ(https->certificates(0).name(), "cert");
  ASSERT_TRUE(https->has_client_validation());
  EXPECT_EQ(https->client_validation().mode(), "AllowValidOnly");
  // "absent" does not resolve: only "ca" is listed.
  ASSERT_EQ(https->client_validation().ca_certificates_size(), 1);
  EXPECT_EQ(https->client_validation().ca_certificates(0).kind(), "ConfigMap");
  EXPECT_EQ(https->client_validation().ca_certificates(0).name(), "ca");
  // The policy applies to the HTTPRoute's httpbin backend.
  const v1::Backend* httpbin = nullptr;
  for (const v1::Route& r : c.routes()) {
    if (r.name() == "http") httpbin = &r.rules(0).backends(0);
  }
  ASSERT_NE(httpbin, nullptr);
  ASSERT_TRUE(httpbin->has_tls());
  EXPECT_EQ(httpbin->tls().sni(), "httpbin.internal");
  ASSERT_EQ(httpbin->tls().ca_certificates_size(), 1);
  EXPECT_EQ(httpbin->tls().ca_certificates(0).namespace_(), "default");
  EXPECT_EQ(httpbin->tls().ca_certificates(0).name(), "backend-ca");
  EXPECT_FALSE(httpbin->tls().system_ca());
  ASSERT_EQ(httpbin->tls().subject_alt_names_size(), 2);
  EXPECT_EQ(httpbin->tls().subject_alt_names(0).type(), "Hostname");
  EXPECT_EQ(httpbin->tls().subject_alt_names(0).value(), "httpbin.internal");
  EXPECT_EQ(httpbin->tls().subject_alt_names(1).type(), "URI");
  EXPECT_EQ(httpbin->tls().subject_alt_names(1).value(),
            "spiffe://cluster.local/ns/default/sa/httpbin");
  EXPECT_TRUE(httpbin->valid());

  // The decision says how to connect to the backend.
  auto snap = e->Snapshot();
  ASSERT_TRUE(snap.ok());
  route::Request req;
  req.gateway = (*snap)->FindGateway("cilium-ingress", "gateway");
  req.port = 80;
  req.host = "httpbin.example.com";
  req.method = "GET";
  req.path = "/get";
  const std::string json = route::DecisionJson(**snap, req);
  EXPECT_NE(json.find(R"("tls":{"sni":"httpbin.internal","caCertificates":["ConfigMap default/backend-ca"],"systemCa":false,"subjectAltNames":[["Hostname","httpbin.internal"],["URI","spiffe://cluster.local/ns/default/sa/httpbin"]],"clientCertificate":"Secret cilium-ingress/cert"})"),
            std::string::npos)
      << json;
}

// What does not resolve is left out, a perPort validation overrides the
// default for its port only, and a Passthrough listener has no
// certificates.
TEST(CompileConfig, TlsReferencesLeaveOutWhatDoesNotResolve) {
  auto e = testing::ScenarioEngine();
  testing::ApplyAll(*e, absl::StrCat(testing::CaConfigMap("cilium-ingress", "ca-443"),
                                     testing::TlsSecret("cilium-ingress", "cert"), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway, namespace: cilium-ingress}
spec:
  gatewayClassName: cilium
  tls:
    backend:
      clientCertificateRef: {name: absent}
    frontend:
      default:
        validation:
          caCertificateRefs: [{group: "", kind: ConfigMap, name: missing-default}]
      perPort:
      - port: 443
        tls:
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: ca-443}]
            mode: AllowInsecureFallback
  listeners:
  - name: https
    protocol: HTTPS
    port: 443
    hostname: "*.example.com"
    tls: {certificateRefs: [{name: cert}]}
  - name: passthrough
    protocol: TLS
    port: 8443
    hostname: "*.example.com"
    tls: {mode: Passthrough}
)"));
  const v1::Snapshot& c = Config(*e);
  ASSERT_EQ(c.gateways_size(), 1);
  const v1::Gateway& gw = c.gateways(0);
  EXPECT_FALSE(gw.has_backend_client_certificate());  // Secret "absent"
  const v1::Listener* https = nullptr;
  const v1::Listener* passthrough = nullptr;
  for (const v1::Listener& l : gw.listeners()) {
    if (l.name() == "https") https = &l;
    if (l.name() == "passthrough") passthrough = &l;
  }
  ASSERT_NE(https, nullptr);
  ASSERT_TRUE(https->has_client_validation());
  EXPECT_EQ(https->client_validation().mode(), "AllowInsecureFallback");
  ASSERT_EQ(https->client_validation().ca_certificates_size(), 1);
  EXPECT_EQ(https->client_validation().ca_certificates(0).name(), "ca-443");
  ASSERT_NE(passthrough, nullptr);
  EXPECT_EQ(passthrough->tls_mode(), v1::TLS_MODE_PASSTHROUGH);
  EXPECT_EQ(passthrough->certificates_size(), 0);
  EXPECT_FALSE(passthrough->has_client_validation());
}

TEST(ParseDurationMs, GatewayApiDurations) {
  EXPECT_EQ(compile::ParseDurationMs("500ms"), 500);
  EXPECT_EQ(compile::ParseDurationMs("1h2m3s"), 3723000);
  EXPECT_EQ(compile::ParseDurationMs("0s"), 0);
  EXPECT_EQ(compile::ParseDurationMs(""), -1);
  EXPECT_EQ(compile::ParseDurationMs("1.5s"), -1);
  EXPECT_EQ(compile::ParseDurationMs("123456s"), -1);  // at most 5 digits
  EXPECT_EQ(compile::ParseDurationMs("1s1s1s1s1s"), -1);  // at most 4 parts
}

}  // namespace
}  // namespace gwapi
